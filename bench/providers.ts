import { randomBytes } from 'node:crypto';
import { type LocalStack, startLocalStack } from '../local/stack';
import { type countSdkRequests, SDK_COUNTER_PRELOAD } from './sdk-counter';
import { line, ms, numbers, percentile, quiet, sleep } from './support';

/** Send rates and failover (issue 22): a throttled burst, and one sender of two in an outage. */

const account = () => ({
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
});

async function call(stack: LocalStack, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Posts `to` in requests of 1,000 SMS; returns accept times per recipient. */
async function sendSms(stack: LocalStack, to: string[]): Promise<Map<string, number>> {
  const accepted = new Map<string, number>();
  for (let i = 0; i < to.length; i += 1000) {
    const chunk = to.slice(i, i + 1000);
    await call(stack, 'POST', '/v1/notifications', {
      channels: { sms: { to: chunk, text: 'bench' } },
    });
    const now = performance.now();
    for (const recipient of chunk) accepted.set(recipient, now);
  }
  return accepted;
}

/** Waits until every recipient is in the outbox; the time each first arrived there. */
async function arrivals(stack: LocalStack, to: string[], timeoutMs: number) {
  const wanted = new Set(to);
  const at = new Map<string, number>();
  const sends = new Map<string, number>();
  const from = new Map<string, number>();
  const off = stack.outbox.onEntry((entry) => {
    if (!wanted.has(entry.recipient)) return;
    sends.set(entry.recipient, (sends.get(entry.recipient) ?? 0) + 1);
    if (!at.has(entry.recipient)) at.set(entry.recipient, performance.now());
    const sender = String(entry.content.from);
    from.set(sender, (from.get(sender) ?? 0) + 1);
  });
  return {
    at,
    sends,
    from,
    async done() {
      const deadline = performance.now() + timeoutMs;
      while (at.size < wanted.size && performance.now() < deadline) await sleep(200);
      off();
    },
  };
}

export async function benchSendRates(counter: ReturnType<typeof countSdkRequests>) {
  const scale = Number(process.env.BENCH_RATE_SCALE ?? 5);
  const total = Number(process.env.BENCH_RATE_MESSAGES ?? 10_000);
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    // As Lambda's event source runs several pollers per queue: a copy due now is picked up at once.
    pollersPerChannel: Number(process.env.BENCH_RATE_POLLERS ?? 6),
    senderRateScale: scale,
    lambdaPreload: [SDK_COUNTER_PRELOAD],
    // A delivery waiting for its rate is not stuck; see the note printed below.
    reconcileIntervalMs: 0,
  });
  try {
    const senders = Array.from({ length: 5 }, (_, i) => `+1415559${String(1000 + i)}`);
    await call(stack, 'PUT', '/v1/providers/sms/bench', { ...account(), senders });
    const ideal = total / (senders.length * scale);
    console.log(
      `\nSend rates: a burst of ${total.toLocaleString('en-US')} SMS over 5 long codes, 1 segment/s each, the clock ${scale}x (real: ${(total / 5).toLocaleString('en-US')} s)`,
    );
    const to = numbers(total, 5_000_000);
    const watch = await arrivals(stack, to, ideal * 2000 + 120_000);
    counter.reset();
    const start = performance.now();
    await sendSms(stack, to);
    await watch.done();
    const times = [...watch.at.values()].sort((a, b) => a - b);
    const first = times[0] ?? start;
    const last = times.at(-1) ?? first;
    const busiest = Math.max(...watch.from.values());
    const idealBusiest = busiest / scale;
    const took = (last - first) / 1000;
    line('delivered (first send each)', `${watch.at.size} of ${total}`);
    line('sent more than once', String([...watch.sends.values()].filter((n) => n > 1).length));
    line('provider 429s (fake Twilio, 20429)', String(stack.providerRates.refused()));
    line('per number', [...watch.from.values()].join(' / '));
    line('first to last send', `${took.toFixed(1)} s`);
    line(
      'ideal (even split) / ideal for the busiest number',
      `${ideal.toFixed(1)} s / ${idealBusiest.toFixed(1)} s`,
    );
    line('over the busiest number’s ideal', `${((took / idealBusiest - 1) * 100).toFixed(1)}%`);
    line('accept of the first request to last send', `${((last - start) / 1000).toFixed(1)} s`);
    const ops = counter.counts.byOperation;
    if (process.env.BENCH_DEBUG) {
      console.log(ops);
      const first = stack.providerRates.refusals[0];
      if (first) {
        const number = first.sender.replace('twilio:', '');
        const sent = stack.outbox
          .list({ channel: 'sms' })
          .filter((e) => e.content.from === number)
          .map((e) => Date.parse(e.receivedAt) - first.at)
          .filter((d) => Math.abs(d) < 4000);
        const refused = stack.providerRates.refusals
          .filter((r) => r.sender === first.sender)
          .map((r) => r.at - first.at)
          .filter((d) => Math.abs(d) < 4000);
        console.log('sent around the first refusal (ms)', sent.join(' '));
        console.log('refused (ms)', refused.join(' '));
      }
    }
    const per = (key: string) => ((ops[key] ?? 0) / total).toFixed(2);
    line('rate buckets: UpdateItem per delivery (= write units)', per('dynamodb:UpdateItem RATE#'));
    line('rate buckets: GetItem per delivery', per('dynamodb:GetItem RATE#'));
    line('delayed copies (SendMessage) per delivery', per('sqs:SendMessage'));
    line('ChangeMessageVisibility per delivery', per('sqs:ChangeMessageVisibility'));
    line('ReceiveMessage calls per delivery (all lanes)', per('sqs:ReceiveMessage'));
    const dollars =
      ((ops['dynamodb:UpdateItem RATE#'] ?? 0) * 0.625 + (ops['sqs:SendMessage'] ?? 0) * 0.4) /
      total;
    line('rate-limit $ per million deliveries (WRU + SQS, 2026 prices)', `$${dollars.toFixed(3)}`);
  } finally {
    await stack.stop();
  }
}

export async function benchFailover() {
  // A fast clock, so the rates never hold anything back: what is left is failover's own cost.
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollersPerChannel: 3,
    senderRateScale: 1000,
  });
  try {
    const count = 300;
    console.log(
      `\nFailover: ${count} SMS, one a request at ~20/s, over two Twilio accounts; then again with the first one's sender in an outage`,
    );
    const run = async (tag: number, outage: boolean) => {
      const main = { ...account(), senders: [`+1415558${tag}101`] };
      const backup = { ...account(), senders: [`+1415558${tag}202`], priority: 2 };
      await call(stack, 'PUT', '/v1/providers/sms/main', main);
      await call(stack, 'PUT', '/v1/providers/sms/backup', backup);
      await fetch(`${stack.url}/_local/faults`, {
        method: 'POST',
        body: JSON.stringify({ channel: 'sms', sender: main.senders[0], outage }),
      });
      // The routes are cached for PROVIDER_CACHE_SECONDS (5 s locally): wait the old ones out.
      await sleep(5_500);
      const to = numbers(count, 6_000_000 + tag * 10_000);
      const watch = await arrivals(stack, to, 120_000);
      const accepted = new Map<string, number>();
      for (const recipient of to) {
        await call(stack, 'POST', '/v1/notifications', {
          channels: { sms: { to: [recipient], text: 'bench' } },
        });
        accepted.set(recipient, performance.now());
        await sleep(50);
      }
      await watch.done();
      const waits = to.map((r) => (watch.at.get(r) ?? Number.NaN) - (accepted.get(r) ?? 0));
      return { waits, watch };
    };
    const base = await run(1, false);
    const down = await run(2, true);
    const once = [...down.watch.sends.values()].every((n) => n === 1);
    const slow = down.waits.filter((w) => w > percentile(base.waits, 99)).length;
    line('delivered with one sender down', `${down.watch.at.size} of ${count}`);
    line('every delivery sent exactly once', String(once && down.watch.sends.size === count));
    line(
      'slower than the healthy p99 (paid a failed attempt), slowest',
      `${slow}, ${ms(Math.max(...down.waits))} (retry base ${stack.env.RETRY_BASE_SECONDS} s here, 30 s deployed)`,
    );
    for (const p of [50, 99]) {
      const added = percentile(down.waits, p) - percentile(base.waits, p);
      line(
        `p${p} accept-to-send: healthy / one down (added)`,
        `${ms(percentile(base.waits, p))} / ${ms(percentile(down.waits, p))} (${ms(added)})`,
      );
    }
  } finally {
    await stack.stop();
  }
}
