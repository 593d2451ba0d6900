/**
 * `npm run bench -- push-rate`: how fast pushes leave the local stack with the send-rate gate on
 * (issue 22): 2,000 pushes in 4 requests of 500 tokens to the stack's FCM project, 3 receive loops
 * a lane (as the rate tests), the default clock (100x). Counted at the FCM fake: pushes a second
 * from its first to its last accepted push, and how many were refused (429).
 */
import { type LocalStack, startLocalStack } from '../local/stack';
import { line, quiet, sleep } from './support';

const REQUESTS = 4;
const PER_REQUEST = 500;

async function post(stack: LocalStack, body: unknown): Promise<void> {
  const answer = await fetch(`${stack.url}/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (answer.status !== 202) throw new Error(`POST: ${answer.status} ${await answer.text()}`);
}

export async function benchPushThroughput() {
  const runs = Number(process.env.BENCH_PUSH_RUNS ?? 2);
  console.log(
    `\nPush throughput through the rate gate: ${REQUESTS} requests x ${PER_REQUEST} tokens, 3 loops a lane, ${runs} runs`,
  );
  const stack = await startLocalStack({ port: 0, log: quiet, pollersPerChannel: 3 });
  try {
    for (let run = 0; run < runs; run++) {
      const tag = `pt${Date.now().toString(36)}`;
      const wanted = new Set<string>();
      for (let r = 0; r < REQUESTS; r++) {
        const tokens = Array.from({ length: PER_REQUEST }, (_, i) => `${tag}-${r}-${i}`);
        for (const t of tokens) wanted.add(t);
        await post(stack, { channels: { push: { tokens, title: 't', body: 'b' } } });
      }
      const deadline = Date.now() + 300_000;
      let sent: number[] = [];
      while (Date.now() < deadline) {
        sent = stack.outbox
          .list({ channel: 'push' })
          .filter((e) => wanted.has(e.recipient))
          .map((e) => Date.parse(e.receivedAt));
        if (sent.length >= wanted.size) break;
        await sleep(250);
      }
      sent.sort((a, b) => a - b);
      const span = ((sent.at(-1) ?? 0) - (sent[0] ?? 0)) / 1000;
      line(
        `  run ${run + 1}: ${sent.length}/${wanted.size} pushes sent, first to last`,
        `${span.toFixed(2)} s = ${(sent.length / span).toFixed(0)}/s`,
      );
    }
    line('  refused by the FCM fake (429)', String(stack.providerRates.refused('fcm:')));
  } finally {
    await stack.stop();
  }
}
