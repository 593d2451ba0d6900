import { startLocalStack } from '../local/stack';
import { line, ms, percentile, quiet, sleep } from './support';

/*
 * `npm run bench -- topics`: a topic of BENCH_TOPIC_SUBSCRIBERS (20,000 by default, scaled down
 * from the 100,000 of issue 21; set 100000 for the full run) recipients with a push token each,
 * sent to once through the local HTTP API: accept latency (a topic of that size and an empty one),
 * the fan-out's enqueue rate, the delivery rate, and the high lane's latency while it runs.
 */

type Json = Record<string, unknown>;

export async function benchTopics() {
  const size = Number(process.env.BENCH_TOPIC_SUBSCRIBERS ?? 20_000);
  process.env.HERALD_FANOUT_PAGE_SIZE ??= '1000';
  // A page of 1,000 takes seconds on this machine: not stalled before a minute.
  process.env.HERALD_FANOUT_STALL_SECONDS ??= '60';
  // Deliveries wait in the queue for minutes here (a 2-core drain): the local 30-s reconcile
  // delay would count them stuck and requeue them (duplicate messages, more load); AWS waits 30 min.
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollers: false,
    reconcileAfterSeconds: 1800,
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await answer.json().catch(() => ({}))) as Json;
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    console.log(
      `\nTopics: one push to a topic of ${size.toLocaleString('en-US')} subscribers (fan-out page 1,000), high-priority pushes during it`,
    );
    let started = performance.now();
    await call('PUT', '/v1/topics/bench-all', {});
    await call('PUT', '/v1/topics/bench-empty', {});
    for (let at = 0; at < size; at += 1000) {
      const ids = Array.from({ length: Math.min(1000, size - at) }, (_, i) => `b${at + i}`);
      await call('POST', '/v1/recipients/batch', {
        items: ids.map((id) => ({ id, pushTokens: [{ token: `tok-${id}-bench` }] })),
      });
      await call('POST', '/v1/topics/bench-all/subscribers', { ids });
    }
    const setupSeconds = (performance.now() - started) / 1000;
    line(
      'profiles + subscriptions written (1,000 a call)',
      `${setupSeconds.toFixed(1)} s, ${Math.round(size / setupSeconds)} subscribers/s`,
    );

    // Accept latency, with nothing else running: sends to the big topic (each then cancelled
    // before any page runs) and to an empty one.
    const push = { push: { title: 'Bench', body: 'fan-out' } };
    const accept = async (topic: string) => {
      const t0 = performance.now();
      const answer = await call('POST', '/v1/notifications', { to: { topic }, channels: push });
      return { ms: performance.now() - t0, id: String(answer.id) };
    };
    const bigAccepts: number[] = [];
    const emptyAccepts: number[] = [];
    for (let i = 0; i < 40; i++) {
      const big = await accept('bench-all');
      bigAccepts.push(big.ms);
      await call('DELETE', `/v1/notifications/${big.id}`);
      const empty = await accept('bench-empty');
      emptyAccepts.push(empty.ms);
      await call('DELETE', `/v1/notifications/${empty.id}`);
    }
    line(
      `accept p50 / p99, topic of ${size.toLocaleString('en-US')} (target p99 <= 50 ms)`,
      `${ms(percentile(bigAccepts, 50))} / ${ms(percentile(bigAccepts, 99))}`,
    );
    line(
      'accept p50 / p99, empty topic',
      `${ms(percentile(emptyAccepts, 50))} / ${ms(percentile(emptyAccepts, 99))}`,
    );

    // The run: pollers on, one send to the big topic, a high-priority push every 500 ms.
    let delivered = 0;
    let lastDeliveryAt = 0;
    const highSent = new Map<string, number>();
    const highLatency: number[] = [];
    const off = stack.outbox.onEntry((entry) => {
      const sentAt = highSent.get(entry.recipient);
      if (sentAt !== undefined) highLatency.push(performance.now() - sentAt);
      else if (entry.recipient.endsWith('-bench')) {
        delivered++;
        lastDeliveryAt = performance.now();
      }
    });
    stack.startPollers();
    await sleep(200);
    started = performance.now();
    const run = await accept('bench-all');
    let fanoutDoneAt = 0;
    let enqueued = 0;
    let n = 0;
    while (delivered < size && performance.now() - started < 1_800_000) {
      if (fanoutDoneAt === 0) {
        const state = await call('GET', `/v1/notifications/${run.id}`).catch(() => undefined);
        const fanout = state?.fanout as { enqueued: number; done: boolean } | undefined;
        if (fanout?.done) {
          fanoutDoneAt = performance.now();
          enqueued = fanout.enqueued;
        }
      }
      const token = `urgent-${n++}`;
      highSent.set(token, performance.now());
      await call('POST', '/v1/notifications', {
        priority: 'high',
        channels: { push: { tokens: [token], title: 'Urgent', body: 'now' } },
      });
      await sleep(500);
    }
    off();
    const fanoutSeconds = (fanoutDoneAt - started) / 1000;
    const deliverySeconds = (lastDeliveryAt - started) / 1000;
    line('accept of this send', ms(run.ms));
    line(
      'fan-out: enqueue rate (deliveries queued / time to done)',
      fanoutDoneAt
        ? `${Math.round(enqueued / fanoutSeconds)}/s (${enqueued} in ${fanoutSeconds.toFixed(1)} s)`
        : 'not done',
    );
    line(
      'delivery rate (sent at the FCM fake / time to the last)',
      `${Math.round(delivered / deliverySeconds)}/s (${delivered} of ${size} in ${deliverySeconds.toFixed(1)} s)`,
    );
    line(
      `high lane during the fan-out: p50 / p99 / max (${highLatency.length} pushes, POST -> fake)`,
      `${ms(percentile(highLatency, 50))} / ${ms(percentile(highLatency, 99))} / ${ms(Math.max(...highLatency))}`,
    );
  } finally {
    await stack.stop();
  }
}
