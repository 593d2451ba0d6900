import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Channel, PROVIDER_TIMEOUT_MS } from '../../functions/core/notifications/model';
import { SUCCEEDED } from '../../functions/core/notifications/status';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// The attempt guarantee, end to end on the local stack: every provider hangs longer than the
// local lease (so only a real abort keeps attempts apart). No two attempts of one delivery are
// ever in flight at once, and every send a provider received is a recorded attempt.

const LEASE_SECONDS = 15;
/** Longer than the lease: a call that is not aborted would still be open when the lease ends. */
const HANG_MS = (LEASE_SECONDS + 5) * 1000;
const CHANNELS: Channel[] = ['email', 'sms', 'push', 'slack', 'mqtt'];

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    logLevel: 'SILENT',
    leaseSeconds: LEASE_SECONDS,
    reconcileIntervalMs: 0,
  });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

async function fault(body: unknown) {
  const response = await fetch(`${stack.url}/_local/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

type Delivery = { channel: Channel; status: string; attempts: number; recipient: string };

describe('attempt discipline under a provider hang', () => {
  it('never has two attempts of a delivery in flight, and every send is a recorded attempt', async () => {
    const tag = randomUUID().slice(0, 8);
    const recipients: Record<string, string> = {
      email: `hang-${tag}@example.com`,
      sms: '+15555550177',
      push: `hang-token-${tag}`,
      slack: `#hang-${tag}`,
      // Where the topic below is published: the dev key's namespace (tenant `local`).
      mqtt: `herald/local/hang/${tag}`,
    };
    for (const channel of CHANNELS) await fault({ channel, latencyMs: HANG_MS });

    const accepted = await api.post('/v1/notifications', {
      channels: {
        email: { to: [recipients.email], subject: 's', text: 't' },
        sms: { to: [recipients.sms], text: `sms ${tag}` },
        push: { tokens: [recipients.push], title: 't', body: 'b' },
        slack: { channel: recipients.slack, text: `slack ${tag}` },
        mqtt: { topic: `hang/${tag}`, payload: { tag } },
      },
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    const sends = (channel: Channel) =>
      stack.outbox.list({ channel, recipient: recipients[channel] }).length;

    // The SES and Twilio fakes accept the message at once and report its delivery while the call
    // still hangs: that report settles email and SMS (delivered) and may spare a later attempt.
    const reported: Channel[] = ['email', 'sms'];
    const retried = CHANNELS.filter((c) => !reported.includes(c));
    // Two hung attempts per other channel (each aborted at the provider timeout), then the hang
    // ends. Bounded, so that a broken abort shows up below as a failed guarantee, not a timeout.
    await waitFor(
      () => (retried.every((c) => sends(c) >= 2) ? true : undefined),
      HANG_MS * 2,
      'two sends on every channel',
    ).catch(() => undefined);
    for (const channel of CHANNELS) await fault({ channel, latencyMs: 0 });

    const deliveries = await waitFor(
      async () => {
        const { body } = await api.get(`/v1/notifications/${id}`);
        const all = (body.deliveries ?? []) as Delivery[];
        // A channel whose provider reports delivery is done when that report is recorded: it
        // comes in a callback of its own, after the attempt that sent it recorded `sent`.
        const done = (d: Delivery) =>
          reported.includes(d.channel)
            ? d.status === 'delivered'
            : SUCCEEDED.includes(d.status as never);
        return all.length === CHANNELS.length && all.every(done) ? all : undefined;
      },
      60_000,
      'every delivery to go out',
    ).catch(
      async () => ((await api.get(`/v1/notifications/${id}`)).body.deliveries ?? []) as Delivery[],
    );

    const report = CHANNELS.map((channel) => {
      const delivery = deliveries.find((d) => d.channel === channel);
      return {
        channel,
        status: delivery?.status,
        sends: sends(channel),
        attempts: delivery?.attempts,
        peakInFlight: stack.faults.peakInFlight(channel, recipients[channel]),
      };
    });
    console.log(`attempts under a ${HANG_MS} ms hang: ${JSON.stringify(report)}`);
    for (const row of report) {
      // Every send the provider received is one recorded attempt; at least 3 were needed where no
      // provider report settled the delivery during the hang.
      expect(row, row.channel).toMatchObject({ sends: row.attempts, peakInFlight: 1 });
      expect(SUCCEEDED, row.channel).toContain(row.status);
      expect(row.sends, row.channel).toBeGreaterThanOrEqual(reported.includes(row.channel) ? 1 : 3);
      if (reported.includes(row.channel)) expect(row.status, row.channel).toBe('delivered');
    }
    expect(PROVIDER_TIMEOUT_MS * 2).toBeLessThan(HANG_MS);
  }, 150_000);
});
