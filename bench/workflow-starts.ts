/**
 * Starting many runs at once: a trigger of 1,000 recipient ids (the api records each run and
 * starts its execution before it answers) and a trigger to a topic of 1,000 subscribers (202 at
 * once; the trigger function starts the runs a page at a time). The runs wait an hour, so only
 * the starts are measured (the local engine runs every execution's first steps on the same cores
 * meanwhile). Requests are counted at the SDK's HTTP handler.
 */
import type { startLocalStack } from '../local/stack';
import { apiClient, waitFor } from '../test/support/client';
import type { countSdkRequests } from './sdk-counter';
import { line } from './support';

type Counter = ReturnType<typeof countSdkRequests>;

const requests = (counter: Counter) => {
  const by = counter.counts.byOperation;
  const of = (pattern: RegExp) =>
    Object.entries(by)
      .filter(([k]) => pattern.test(k))
      .reduce((a, [, n]) => a + n, 0);
  return { dynamo: of(/^dynamodb:/), batches: of(/^dynamodb:BatchWriteItem/) };
};

export async function benchWorkflowStarts(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  counter: Counter,
  runs = 1000,
) {
  const api = apiClient(stack);
  await api.request('PUT', '/v1/workflows/hold', {
    steps: [{ id: 'wait', type: 'delay', duration: '1h' }],
  });
  await api.post('/v1/workflows/hold/publish', {});
  for (const round of [1, 2]) {
    counter.reset();
    const to = Array.from({ length: runs }, (_, i) => `hold-${round}-${i}`);
    const started = performance.now();
    const answer = await api.post('/v1/workflows/hold/trigger', { to });
    const elapsed = performance.now() - started;
    const n = requests(counter);
    line(
      `trigger of ${runs} ids (round ${round}): ${answer.status} after`,
      `${(elapsed / 1000).toFixed(2)} s; ${n.dynamo} DynamoDB requests (${(n.dynamo / runs).toFixed(2)} per run, the runs' first steps included; ${n.batches} BatchWriteItem)`,
    );
  }
  // The same through a topic: the answer at once, the runs by the trigger function's pages.
  const ids = Array.from({ length: runs }, (_, i) => `hold-topic-${i}`);
  await api.request('PUT', '/v1/topics/hold', {});
  await api.post('/v1/recipients/batch', { items: ids.map((id) => ({ id })) });
  await api.post('/v1/topics/hold/subscribers', { ids });
  counter.reset();
  const started = performance.now();
  const answer = await api.post('/v1/workflows/hold/trigger', { to: { topic: 'hold' } });
  const accepted = performance.now() - started;
  const id = (answer.body.trigger as { id: string }).id;
  await waitFor(
    async () =>
      ((await api.get(`/v1/workflow-triggers/${id}`)).body.status as string) === 'running'
        ? undefined
        : true,
    10 * 60_000,
    'the topic trigger',
  );
  const done = performance.now() - started;
  const n = requests(counter);
  line(
    `trigger to a topic of ${runs}: 202 after / every run started after`,
    `${accepted.toFixed(0)} ms / ${(done / 1000).toFixed(2)} s; ${n.dynamo} DynamoDB requests (${(n.dynamo / runs).toFixed(2)} per run)`,
  );
}
