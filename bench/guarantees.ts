/**
 * `npm run bench -- guarantees`: what the delivery guarantees cost and what they hold to.
 * - write units of the reconciler's bookkeeping (its index entry and its own writes), per
 *   notification and per delivery, measured on the local stack;
 * - sends per delivery while every provider call hangs twice the provider timeout.
 */
import { randomUUID } from 'node:crypto';
import { reconcileIndexAttributes } from '../functions/adapters/dynamodb/items';
import { PROVIDER_TIMEOUT_MS } from '../functions/core/notifications/model';
import { FINAL } from '../functions/core/notifications/status';
import { type LocalStack, startLocalStack } from '../local/stack';
import type { countSdkRequests } from './sdk-counter';

type Counter = ReturnType<typeof countSdkRequests>;
type Delivery = { status: string; attempts: number; recipient: string };

const quiet = () => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const itemBytes = (item: unknown) => Buffer.byteLength(JSON.stringify(item));
function line(label: string, value: string) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

async function post(stack: LocalStack, body: unknown): Promise<string> {
  const response = await fetch(`${stack.url}/v1/notifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 202 || !answer.id) throw new Error(`ingest answered ${response.status}`);
  return answer.id;
}

async function deliveries(stack: LocalStack, id: string): Promise<Delivery[]> {
  const response = await fetch(`${stack.url}/v1/notifications/${id}`, {
    headers: { authorization: `Bearer ${stack.devApiKey}` },
  });
  return ((await response.json()) as { deliveries: Delivery[] }).deliveries;
}

async function settled(stack: LocalStack, ids: string[], timeoutMs: number): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = (await Promise.all(ids.map((id) => deliveries(stack, id)))).flat();
    if (all.every((d) => FINAL.includes(d.status as never)) || Date.now() > deadline) return all;
    await sleep(250);
  }
}

/** Reconciler bookkeeping: one index entry per notification, then (healthy) nothing more. */
async function bookkeeping(counter: Counter) {
  console.log('\nReconciler bookkeeping (open-work index on the notification item)');
  const entry = {
    pk: `NOTIF#${randomUUID()}`,
    sk: 'META',
    ...reconcileIndexAttributes(randomUUID(), Date.now()),
    sendAt: new Date().toISOString(),
    priority: 'normal',
  };
  const indexUnits = Math.ceil(itemBytes(entry) / 1024);
  line('index entry written by DynamoDB with the notification', `${itemBytes(entry)} bytes`);
  line('  index write per notification (1 WRU per started KB)', `${indexUnits} WRU, +0 requests`);

  // The default delay (handler modules, and their config, are loaded once per process).
  const after = 30;
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    reconcileIntervalMs: 0,
    reconcileAfterSeconds: after,
  });
  try {
    const shapes = [1, 10];
    const ids: string[] = [];
    for (const recipients of shapes) {
      for (let n = 0; n < 20; n++) {
        const tag = randomUUID().slice(0, 8);
        ids.push(
          await post(stack, {
            channels: {
              email: {
                to: Array.from({ length: recipients }, (_, i) => `rb-${tag}-${i}@example.com`),
                subject: 'bench',
                text: 'bench',
              },
            },
          }),
        );
      }
    }
    const all = await settled(stack, ids, 60_000);
    await sleep(after * 1000 + 1000);
    counter.reset();
    const report = await stack.reconcile();
    const units = counter.counts.dynamoWriteUnits;
    line(
      `reconciler run over ${ids.length} settled notifications (${all.length} deliveries)`,
      `${report.notificationsChecked} checked, ${report.stuck.length} stuck, ${units} WRU written`,
    );
    const perNotification = indexUnits + units / ids.length;
    line(
      'bookkeeping WRU per notification (target <= 2)',
      `${perNotification.toFixed(3)} (index ${indexUnits} + run ${(units / ids.length).toFixed(3)})`,
    );
    for (const recipients of shapes) {
      line(
        `  per delivery, ${recipients} deliveries per notification`,
        (perNotification / recipients).toFixed(3),
      );
    }
  } finally {
    await stack.stop();
  }
}

/** Sends per delivery while every call hangs twice the provider timeout (never answered in time). */
async function underHang() {
  const hangMs = 2 * PROVIDER_TIMEOUT_MS;
  console.log(`\nProvider hang of ${hangMs} ms (2x PROVIDER_TIMEOUT_MS) on Slack, all attempts`);
  const stack = await startLocalStack({ port: 0, log: quiet, logLevel: 'SILENT' });
  try {
    stack.faults.apply({ channel: 'slack', latencyMs: hangMs });
    const tag = randomUUID().slice(0, 8);
    const channels = Array.from({ length: 10 }, (_, i) => `#hang-${tag}-${i}`);
    const ids = await Promise.all(
      channels.map((channel) => post(stack, { channels: { slack: { channel, text: 'hang' } } })),
    );
    const all = await settled(stack, ids, 180_000);
    const sends = stack.outbox
      .list({ channel: 'slack' })
      .filter((e) => channels.includes(e.recipient));
    const attempts = all.reduce((sum, d) => sum + d.attempts, 0);
    line('deliveries (all settled)', `${all.length} (${all.map((d) => d.status).join(', ')})`);
    line('sends at the provider per delivery', (sends.length / all.length).toFixed(2));
    line(
      'recorded attempts per delivery (sends must be <= attempts)',
      (attempts / all.length).toFixed(2),
    );
    line(
      'most calls for one delivery open at once at the provider',
      String(stack.faults.peakInFlight('slack')),
    );
  } finally {
    await stack.stop();
  }
}

export async function benchGuarantees(counter: Counter) {
  await bookkeeping(counter);
  await underHang();
}
