/**
 * Workflows on the local durable engine: escalation latency (push -> FCM UNREGISTERED recorded ->
 * SMS sent) over many runs, and the cost of a run from what it measurably does: durable
 * operations and invocations (as the SDK's local runner reports them), AWS requests and DynamoDB
 * write units (counted at the SDK's HTTP handler), times unit prices.
 */
import { startLocalStack } from '../local/stack';
import { workflowEngineStats } from '../local/workflow-engine';
import { apiClient, waitFor } from '../test/support/client';
import { PRICES } from './cost';
import type { countSdkRequests } from './sdk-counter';
import { line, ms, percentile, quiet } from './support';
import { benchWorkflowStarts } from './workflow-starts';

/**
 * Lambda durable functions, us-east-1: $8.00 per million durable operations, as transcribed from
 * aws.amazon.com/lambda/pricing (read 2026-09-20, api-evangelist/aws-lambda plans/pricing.yml:
 * "Durable Functions operations (example rate) $8.00/M"). The per-GB rates for data written and
 * retained were not in any source reachable here: TO CONFIRM before quoting; the bench prints the
 * bytes instead of a dollar figure for them.
 */
export const DURABLE_PRICES = {
  date: '2026-09-20 (aws.amazon.com/lambda/pricing)',
  perOperation: 8e-6,
};
const WORKFLOW_MEMORY_GB = 256 / 1024;

type Counter = ReturnType<typeof countSdkRequests>;
type Run = {
  status: string;
  steps: { id: string; at: string; decision: string; notificationId?: string }[];
};

const escalation = {
  steps: [
    {
      id: 'push',
      type: 'send',
      channels: ['push'],
      content: { push: { title: 'Order', body: 'Shipped' } },
    },
    { id: 'seen', type: 'waitFor', step: 'push', status: 'delivered', timeout: '60s' },
    {
      id: 'escalate',
      type: 'branch',
      if: { step: 'seen', outcome: 'met' },
      whenTrue: [],
      whenFalse: [
        { id: 'sms', type: 'send', channels: ['sms'], content: { sms: { text: 'Shipped' } } },
      ],
    },
  ],
};

function snapshot(counter: Counter) {
  return {
    ...workflowEngineStats,
    requests: Object.values(counter.counts.byService).reduce((a, b) => a + b, 0),
    sqs: counter.counts.byService.sqs ?? 0,
    writeUnits: counter.counts.dynamoWriteUnits,
    reads: Object.entries(counter.counts.byOperation)
      .filter(([k]) => /^dynamodb:(GetItem|Query|BatchGetItem)/.test(k))
      .reduce((a, [, n]) => a + n, 0),
  };
}

/** Every run's record, read 50 at a time (a thousand parallel GETs would only measure the HTTP server). */
async function readRuns(api: ReturnType<typeof apiClient>, ids: readonly string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    runs.push(
      ...(await Promise.all(
        ids
          .slice(i, i + 50)
          .map(async (id) => (await api.get(`/v1/workflow-runs/${id}`)).body as unknown as Run),
      )),
    );
  }
  return runs;
}

/** Dollars per run from the difference of two snapshots over `runs` runs. */
function perRun(
  before: ReturnType<typeof snapshot>,
  after: ReturnType<typeof snapshot>,
  runs: number,
) {
  const d = (k: keyof ReturnType<typeof snapshot>) => (after[k] - before[k]) / runs;
  const costs = {
    durableOperations: d('operations') * DURABLE_PRICES.perOperation,
    lambdaRequests: d('invocations') * PRICES.lambdaPerRequest,
    lambdaCompute: (d('invocationMs') / 1000) * WORKFLOW_MEMORY_GB * PRICES.lambdaPerGbSecondArm,
    dynamoWrites: d('writeUnits') * PRICES.dynamoPerWriteUnit,
    dynamoReads: d('reads') * PRICES.dynamoPerReadUnit,
    sqs: d('sqs') * PRICES.sqsPerRequest,
  };
  return {
    counts: {
      operations: d('operations'),
      invocations: d('invocations'),
      writeUnits: d('writeUnits'),
      reads: d('reads'),
    },
    costs,
  };
}

function report(label: string, result: ReturnType<typeof perRun>) {
  const total = Object.values(result.costs).reduce((a, b) => a + b, 0);
  line(
    `${label}: per run`,
    `$${total.toExponential(2)} ($${(total * 1e6).toFixed(0)} per million runs)`,
  );
  const c = result.counts;
  line(
    '  durable operations / invocations',
    `${c.operations.toFixed(1)} / ${c.invocations.toFixed(1)}`,
  );
  line(
    '  DynamoDB write units / reads (workflow + api + senders)',
    `${c.writeUnits.toFixed(1)} / ${c.reads.toFixed(1)}`,
  );
  for (const [k, v] of Object.entries(result.costs)) line(`  ${k}`, `$${v.toExponential(2)}`);
}

interface Phase {
  finished: Run[];
  elapsed: number;
  decided: number[];
  atProvider: number[];
}

/** `runs` escalation runs, `batch` recipients per trigger; `oneAtATime`: each trigger after the last runs ended. */
async function escalate(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  first: number,
  runs: number,
  batch: number,
  oneAtATime: boolean,
): Promise<Phase> {
  const api = apiClient(stack);
  const phone = (n: number) => `+1415${String(5_000_100 + n).padStart(7, '0')}`;
  const started = performance.now();
  const ids: string[] = [];
  const waitForEnd = async (which: string[]) =>
    waitFor(
      async () => {
        const now = await readRuns(api, which);
        return now.every((r) => r.status !== 'running') ? now : undefined;
      },
      15 * 60_000,
      'the runs to end',
    );
  const finished: Run[] = [];
  for (let i = first; i < first + runs; i += batch) {
    const to = Array.from({ length: Math.min(batch, first + runs - i) }, (_, j) => ({
      id: `r${i + j}`,
      push: `unregistered-token-${i + j}`,
      sms: phone(i + j),
    }));
    const answer = await api.post('/v1/workflows/escalate/trigger', { to });
    const batchIds = (answer.body.runs as { id: string }[]).map((r) => r.id);
    ids.push(...batchIds);
    if (oneAtATime) finished.push(...(await waitForEnd(batchIds)));
  }
  if (!oneAtATime) finished.push(...(await waitForEnd(ids)));
  const elapsed = performance.now() - started;
  const sms = new Map(
    stack.outbox
      .list()
      .filter((m) => m.channel === 'sms')
      .map((m) => [m.recipient, Date.parse(m.receivedAt)]),
  );
  const decided: number[] = [];
  const atProvider: number[] = [];
  for (const [k, run] of finished.entries()) {
    const push = run.steps.find((s) => s.id === 'push')?.notificationId;
    if (!push) continue;
    const detail = (await api.get(`/v1/notifications/${push}`)).body as {
      deliveries: { updatedAt: string }[];
    };
    const failedAt = Date.parse(detail.deliveries[0]?.updatedAt ?? '');
    const smsStep = run.steps.find((s) => s.id === 'sms');
    if (smsStep && Number.isFinite(failedAt)) decided.push(Date.parse(smsStep.at) - failedAt);
    const sentAt = sms.get(phone(first + k));
    if (sentAt !== undefined && Number.isFinite(failedAt)) atProvider.push(sentAt - failedAt);
  }
  return { finished, elapsed, decided, atProvider };
}

function latencyLines(label: string, phase: Phase) {
  line(
    `${label}: runs ended / SMS sent`,
    `${phase.finished.length} / ${phase.atProvider.length} in ${(phase.elapsed / 1000).toFixed(1)} s`,
  );
  line(
    '  push failure recorded -> SMS step accepted, p50 / p99',
    `${ms(percentile(phase.decided, 50))} / ${ms(percentile(phase.decided, 99))}`,
  );
  line(
    '  push failure recorded -> SMS at the provider, p50 / p99',
    `${ms(percentile(phase.atProvider, 50))} / ${ms(percentile(phase.atProvider, 99))}`,
  );
}

export async function benchWorkflows(
  counter: Counter,
  runs = Number(process.env.WORKFLOW_RUNS ?? 1000),
) {
  console.log(
    `\nWorkflows (local durable engine; prices: Lambda durable ${DURABLE_PRICES.date}, others ${PRICES.date})`,
  );
  // Provider pacing off (Twilio's 1 SMS/s per number would measure the fake, not the engine).
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    reconcileIntervalMs: 0,
    senderRateScale: 1e6,
  });
  try {
    // WORKFLOW_BENCH_ONLY=starts: only the starts of 1,000 runs (bench/workflow-starts.ts).
    if (process.env.WORKFLOW_BENCH_ONLY === 'starts')
      return await benchWorkflowStarts(stack, counter);
    const api = apiClient(stack);
    await api.request('PUT', '/v1/workflows/escalate', escalation);
    await api.post('/v1/workflows/escalate/publish', {});
    // Unloaded: one run at a time; then all at once (triggers of 250 recipients, back to back).
    latencyLines('20 escalations one at a time', await escalate(stack, 0, 20, 1, true));
    counter.reset();
    const before = snapshot(counter);
    const burst = await escalate(stack, 100, runs, 250, false);
    latencyLines(`${runs} escalations at once`, burst);
    report('push -> waitFor delivered -> SMS (escalated)', perRun(before, snapshot(counter), runs));
    line(
      '  not priced: durable data written/retained (rate to confirm), API Gateway for the trigger',
      '',
    );
    await digestCost(stack, counter);
    await benchWorkflowStarts(stack, counter);
  } finally {
    await stack.stop();
  }
}

/**
 * A digest of 100 events for one recipient (a 1-hour digest costs the same: a wait is one durable
 * operation however long; measured here with a 3-second sliding window).
 */
async function digestCost(stack: Awaited<ReturnType<typeof startLocalStack>>, counter: Counter) {
  const api = apiClient(stack);
  await api.request('PUT', '/v1/workflows/digest', {
    steps: [
      { id: 'collect', type: 'digest', window: '3s', mode: 'sliding' },
      {
        id: 'tell',
        type: 'send',
        channels: ['slack'],
        content: { slack: { text: '{{digest.count}} comments' } },
      },
    ],
  });
  await api.post('/v1/workflows/digest/publish', {});
  counter.reset();
  const before = snapshot(counter);
  const ids: string[] = [];
  for (let i = 0; i < 100; i += 20) {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post('/v1/workflows/digest/trigger', { to: [{ id: 'post-9', slack: '#post-9' }] }),
      ),
    );
    for (const a of answers) ids.push(...(a.body.runs as { id: string }[]).map((r) => r.id));
  }
  await waitFor(
    async () => {
      const now = await readRuns(api, ids);
      return now.every((r) => r.status !== 'running') ? true : undefined;
    },
    120_000,
    'the digest runs to end',
  );
  const sent = stack.outbox.list().filter((m) => m.recipient === '#post-9');
  line(
    'digest of 100 triggers: messages sent',
    `${sent.length} (${String(sent[0]?.content.text)})`,
  );
  report(
    'digest, 100 events into one message: per triggered run',
    perRun(before, snapshot(counter), 100),
  );
}
