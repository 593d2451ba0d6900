import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, DeliveryStatus } from '../../functions/core/notifications/model';
import { SUCCEEDED } from '../../functions/core/notifications/status';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

type Delivery = {
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  recipient: string;
};

describe('local stack › /_local/faults', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    // SILENT: every outage attempt is a WARN line from the channel function, by design.
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    api = apiClient(stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  afterEach(async () => {
    await faults('DELETE');
  });

  async function faults(method: 'GET' | 'POST' | 'DELETE', body?: unknown) {
    const response = await fetch(`${stack.url}/_local/faults`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function deliveries(id: string): Promise<Delivery[]> {
    const { status, body } = await api.get(`/v1/notifications/${id}`);
    expect(status).toBe(200);
    return body.deliveries as Delivery[];
  }

  it('shows what is set, changes one channel at a time, and clears everything on DELETE', async () => {
    expect(await faults('GET')).toEqual({ status: 200, body: {} });
    await faults('POST', { channel: 'push', outage: true });
    await faults('POST', { channel: 'slack', latencyMs: 8000 });
    expect((await faults('GET')).body).toEqual({
      push: { outage: true },
      slack: { latencyMs: 8000 },
    });
    // latencyMs 0 and outage false clear just that setting.
    await faults('POST', { channel: 'slack', latencyMs: 0 });
    await faults('POST', { channel: 'push', outage: false });
    await faults('POST', { channel: 'mqtt', outage: true });
    expect((await faults('GET')).body).toEqual({ mqtt: { outage: true } });
    expect(await faults('DELETE')).toEqual({ status: 200, body: {} });
    expect((await faults('GET')).body).toEqual({});
  });

  it('refuses a bad fault with 400 and the path of each bad field, setting nothing', async () => {
    const bad = await faults('POST', { channel: 'fax', latencyMs: -5, colour: 'red' });
    expect(bad.status).toBe(400);
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['channel', 'colour', 'latencyMs']);

    const fractional = await faults('POST', { channel: 'sms', latencyMs: 1.5 });
    expect(fractional.status).toBe(400);
    expect(fractional.body.errors).toEqual([{ path: 'latencyMs', message: expect.any(String) }]);

    const empty = await faults('POST', { channel: 'sms' });
    expect(empty.status).toBe(400);

    const notJson = await fetch(`${stack.url}/_local/faults`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await faults('GET')).body).toEqual({});
  });

  it('retries every channel through an outage and delivers once it is lifted', async () => {
    const tag = randomUUID().slice(0, 8);
    const channels: Channel[] = ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'];
    for (const channel of channels) await faults('POST', { channel, outage: true });
    const sent = await api.post('/v1/notifications', {
      channels: {
        email: { to: [`outage-${tag}@example.com`], subject: 's', text: 't' },
        sms: { to: ['+15555550161'], text: `sms ${tag}` },
        whatsapp: { to: ['+15555550162'], text: `whatsapp ${tag}` },
        push: { tokens: [`outage-token-${tag}`], title: 't', body: 'b' },
        slack: { channel: `#outage-${tag}`, text: `slack ${tag}` },
        mqtt: { topic: `herald/outage/${tag}`, payload: { tag } },
      },
    });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;

    // Each channel's outage is lifted as soon as that channel has been retried at least once:
    // channels fail at different speeds, and waiting for the slowest would exhaust the others.
    const lifted = new Set<Channel>();
    const retried = new Map<Channel, Delivery>();
    await waitFor(
      async () => {
        for (const d of await deliveries(id)) {
          expect(d.status, `${d.channel}: ${d.lastError}`).not.toBe('failed');
          if (d.attempts >= 2 && !lifted.has(d.channel)) {
            retried.set(d.channel, d);
            await faults('POST', { channel: d.channel, outage: false });
            lifted.add(d.channel);
          }
        }
        return lifted.size === channels.length ? true : undefined;
      },
      40_000,
      'every channel to be retried during its outage',
    );
    // Nothing reached a provider while it was down.
    for (const channel of channels) {
      expect(retried.get(channel)?.lastError, channel).toMatch(/503|unavailable/i);
    }

    const final = await waitFor(
      async () => {
        const all = await deliveries(id);
        return all.every((d) => SUCCEEDED.includes(d.status)) ? all : undefined;
      },
      30_000,
      'every delivery to be delivered after the outage',
    );
    expect(final).toHaveLength(channels.length);
    const received = stack.outbox.list().filter((e) => JSON.stringify(e).includes(tag));
    // One send per delivery reached the providers: the failed attempts never counted as sends.
    expect(received.map((e) => e.channel).sort()).toEqual([...channels].sort());
  });

  it('records the message at once under latency, and answers only after the delay', async () => {
    const tag = randomUUID().slice(0, 8);
    await faults('POST', { channel: 'slack', latencyMs: 3000 });
    const sent = await api.post('/v1/notifications', {
      channels: { slack: { channel: `#slow-${tag}`, text: `slow ${tag}` } },
    });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;

    await waitFor(
      () => stack.outbox.list({ channel: 'slack', recipient: `#slow-${tag}` })[0],
      10_000,
      'the Slack fake to record the message',
    );
    const recordedAt = Date.now();
    // The fake holds its answer: the function is still waiting on it.
    const [whileWaiting] = await deliveries(id);
    expect(whileWaiting?.status).toBe('sending');

    const delivered = await waitFor(
      async () => {
        const [d] = await deliveries(id);
        return d && SUCCEEDED.includes(d.status) ? d : undefined;
      },
      10_000,
      'the delivery to be recorded after the delay',
    );
    // Recorded as delivered only once the fake answered, most of the 3 s after it recorded.
    expect(Date.now() - recordedAt).toBeGreaterThanOrEqual(2500);
    expect(delivered.attempts).toBe(1);
    expect(stack.outbox.list({ channel: 'slack', recipient: `#slow-${tag}` })).toHaveLength(1);
  });
});
