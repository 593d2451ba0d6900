import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';
import { startReceiver } from '../support/webhook-receiver';

// Twilio errors that mean the number itself can never receive (30005 unknown handset, 30006
// landline or unreachable carrier, 21614 not a mobile number) mark the number `undeliverable`
// on the profiles holding it; a transient one (30003 handset off) marks nothing. Fake: a number
// ending 3005 is reported undelivered with 30005, one ending 0004 with 30003.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
  await api.post('/v1/webhooks', { url: `${receiver.url}/events`, events: ['delivery.skipped'] });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

type Delivery = { channel: string; status: string; skipReason?: string };
type Phone = { number: string; status: string; source: string; channels?: string[] };

async function sendSms(recipientId: string): Promise<Delivery[]> {
  const accepted = await api.post('/v1/notifications', {
    to: [recipientId],
    channels: { sms: { text: 'hi' } },
  });
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.id);
  return waitFor(async () => {
    const ds = (await api.get(`/v1/notifications/${id}`)).body.deliveries as Delivery[];
    return ds.every((d) => ['undelivered', 'skipped', 'delivered'].includes(d.status))
      ? ds
      : undefined;
  });
}

const phones = async (id: string) =>
  ((await api.get(`/v1/recipients/${id}`)).body as unknown as { phones: Phone[] }).phones;

async function suppressionsOf(number: string) {
  const listed = await api.get('/v1/suppressions?channel=sms');
  expect(listed.status).toBe(200);
  return (listed.body.items as { recipient: string; reason: string }[]).filter(
    (e) => e.recipient === number,
  );
}

describe('number health from Twilio error codes', () => {
  it('30005 (unknown handset) -> the number is undeliverable, the next send is skipped', async () => {
    await api.request('PUT', '/v1/recipients/tw-30005', { phones: ['+14155553005'] });
    expect((await sendSms('tw-30005')).map((d) => d.status)).toEqual(['undelivered']);
    const marked = await waitFor(async () => {
      const [phone] = await phones('tw-30005');
      return phone?.status === 'undeliverable' ? phone : undefined;
    });
    expect(marked.source).toMatch(/^twilio:.*30005/);
    expect(marked.channels).toBeUndefined(); // the number, on every channel
    expect(await suppressionsOf('+14155553005')).toMatchObject([{ reason: 'undeliverable' }]);

    const next = await sendSms('tw-30005');
    expect(next.map((d) => [d.status, d.skipReason])).toEqual([['skipped', 'address_invalid']]);
    // The delivery event names the recipient profile it was addressed to.
    const event = await waitFor(() =>
      receiver.received.find((r) => r.body.includes('+14155553005')),
    );
    expect(JSON.parse(event.body)).toMatchObject({
      type: 'delivery.skipped',
      recipient: '+14155553005',
      recipientId: 'tw-30005',
    });
  });

  it('30003 (handset off, transient) -> the number stays ok and is sent to again', async () => {
    await api.request('PUT', '/v1/recipients/tw-30003', { phones: ['+14155550004'] });
    expect((await sendSms('tw-30003')).map((d) => d.status)).toEqual(['undelivered']);
    const [phone] = await phones('tw-30003');
    expect(phone?.status).toBe('ok');
    expect(await suppressionsOf('+14155550004')).toEqual([]);
    expect((await sendSms('tw-30003')).map((d) => d.status)).toEqual(['undelivered']);
  });
});
