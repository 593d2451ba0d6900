import { startLocalStack } from '../local/stack';
import { type countSdkRequests, SDK_COUNTER_PRELOAD } from './sdk-counter';
import {
  apiEvent,
  apiHandler,
  context,
  line,
  ms,
  numbers,
  percentile,
  quiet,
  sleep,
} from './support';
import type { EndToEndResult } from './throughput';

/** One stack end to end: accepted notifications to provider calls, and what each cost. */

export async function benchEndToEnd(
  counter: ReturnType<typeof countSdkRequests>,
): Promise<EndToEndResult> {
  // The pollers and channel handlers run on the stack's Lambda thread: count there too.
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollersPerChannel: 3,
    lambdaPreload: [SDK_COUNTER_PRELOAD],
  });
  try {
    const handler = await apiHandler();
    console.log('\nEnd to end: 5,000 deliveries (10 requests x 4 channels x 125 recipients)');
    const acceptedAt = new Map<string, number>();
    const deliveredAt = new Map<string, number>();
    const off = stack.outbox.onEntry((entry) =>
      deliveredAt.set(entry.recipient, performance.now()),
    );
    counter.reset();
    const cpuAtStart = process.cpuUsage();
    const start = performance.now();
    const requests = Array.from({ length: 10 }, (_, r) => {
      const range = (prefix: string) => Array.from({ length: 125 }, (_, i) => `${prefix}${r}-${i}`);
      return {
        recipients: [
          ...range('e2e-').map((p) => `${p}@example.com`),
          ...numbers(125, 3_000_000 + r * 1_000),
          ...numbers(125, 4_000_000 + r * 1_000),
          ...range('token-e2e-'),
        ],
        body: {
          channels: {
            email: {
              to: range('e2e-').map((p) => `${p}@example.com`),
              subject: 'bench',
              text: 'bench',
            },
            sms: { to: numbers(125, 3_000_000 + r * 1_000), text: 'bench' },
            whatsapp: { to: numbers(125, 4_000_000 + r * 1_000), text: 'bench' },
            push: { tokens: range('token-e2e-'), title: 'bench', body: 'bench' },
          },
        },
      };
    });
    for (const request of requests) {
      const answer = await handler(apiEvent(request.body), context);
      if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}`);
      const now = performance.now();
      for (const recipient of request.recipients) acceptedAt.set(recipient, now);
    }
    // sms and whatsapp share numbers' shapes but not values; every recipient is unique.
    const total = acceptedAt.size;
    const deadline = Date.now() + 120_000;
    while (deliveredAt.size < total && Date.now() < deadline) await sleep(100);
    const end = Math.max(...deliveredAt.values());
    const cpu = process.cpuUsage(cpuAtStart);
    off();
    // Final status writes land just after the provider call; let them finish before counting.
    await sleep(500);
    const latencies = [...acceptedAt].flatMap(([recipient, t]) => {
      const d = deliveredAt.get(recipient);
      return d === undefined ? [] : [d - t];
    });
    line('deliveries reached the providers', `${deliveredAt.size} / ${total}`);
    line(
      'accept -> delivered p50 / p99',
      `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`,
    );
    line(
      'throughput (target >= 300/s on 2 cores)',
      `${(deliveredAt.size / ((end - start) / 1000)).toFixed(0)} deliveries/s`,
    );
    line(
      'CPU time per delivery, all threads (emulators and fakes too)',
      ms((cpu.user + cpu.system) / 1000 / deliveredAt.size),
    );
    console.log('  AWS API requests per delivery, by service (whole pipeline)');
    for (const [service, count] of Object.entries(counter.counts.byService).sort()) {
      line(`    ${service}`, (count / total).toFixed(3));
    }
    console.log('  by operation');
    for (const [operation, count] of Object.entries(counter.counts.byOperation).sort()) {
      line(`    ${operation}`, (count / total).toFixed(3));
    }
    line(
      'DynamoDB write units per delivery, ingest to final (target <= 2)',
      (counter.counts.dynamoWriteUnits / total).toFixed(3),
    );
    return {
      deliveries: deliveredAt.size,
      deliveriesPerSecond: deliveredAt.size / ((end - start) / 1000),
      cpuMsPerDelivery: (cpu.user + cpu.system) / 1000 / deliveredAt.size,
      counts: structuredClone(counter.counts),
    };
  } finally {
    await stack.stop();
  }
}
