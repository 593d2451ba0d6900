import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliverDependencies,
  deliverRecord,
} from '../../../../functions/core/delivery/deliver';
import {
  applyProviderReport,
  type ProviderReport,
} from '../../../../functions/core/delivery/report';
import type { DeliveryMessage } from '../../../../functions/core/notifications/model';
import { ProviderError } from '../../../../functions/core/shared/errors';
import { InMemorySuppressions, ScriptedProvider } from '../fakes';
import { NOW, world } from '../helpers';

const message: DeliveryMessage = {
  v: 1,
  notificationId: 'n1',
  deliveryId: 'sms#0',
  channel: 'sms',
  recipient: '+14155550001',
};

let env: ReturnType<typeof world>;
let provider: ScriptedProvider;
let suppressions: InMemorySuppressions;
let deps: DeliverDependencies;

const report = (extra: Partial<ProviderReport>): ProviderReport => ({
  notificationId: 'n1',
  deliveryId: 'sms#0',
  tenantId: 'acme',
  source: 'twilio:test',
  occurredAt: NOW,
  ...extra,
});

beforeEach(async () => {
  env = world();
  provider = new ScriptedProvider();
  suppressions = new InMemorySuppressions();
  deps = {
    channel: 'sms',
    store: env.store,
    provider: async () => provider,
    maxReceiveCount: 5,
    retryBaseSeconds: 2,
    retryMaxSeconds: 60,
    leaseMs: 30_000,
    now: () => NOW,
    suppressions: {
      isSuppressed: async (tenant, channel, recipient) =>
        (await suppressions.findSuppressed(tenant, [{ channel, recipient }])).size > 0,
      add: (entry) => suppressions.add(entry),
    },
  };
  await env.ingest([message.recipient]);
});

describe('suppression at send time', () => {
  it('records a suppressed recipient suppressed without calling the provider', async () => {
    await suppressions.add({
      tenantId: 'acme',
      channel: 'sms',
      recipient: message.recipient,
      reason: 'manual',
      source: 'api',
      createdAt: 'x',
    });
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toEqual({
      outcome: 'suppressed',
    });
    expect(provider.sent).toHaveLength(0);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('suppressed');
  });

  it("another tenant's suppression does not stop the send", async () => {
    await suppressions.add({
      tenantId: 'other',
      channel: 'sms',
      recipient: message.recipient,
      reason: 'manual',
      source: 'api',
      createdAt: 'x',
    });
    expect((await deliverRecord(deps, { message, receiveCount: 1 })).outcome).toBe('sent');
  });

  it('a permanent error that says the recipient is gone fails and suppresses it', async () => {
    provider.script = [
      new ProviderError('permanent', '21610', 'unsubscribed', { suppress: 'unsubscribed' }),
    ];
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toMatchObject({
      outcome: 'failed',
      suppressed: true,
    });
    expect([...suppressions.entries.values()]).toEqual([
      expect.objectContaining({ recipient: message.recipient, source: 'twilio:21610' }),
    ]);
  });
});

describe('applyProviderReport', () => {
  it('moves sent -> delivered, and a late report never moves it back', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered' }),
      ),
    ).toMatchObject({ result: 'applied', status: 'delivered' });
    const late = await applyProviderReport(
      { store: env.store, suppressions },
      report({ status: 'undelivered' }),
    );
    expect(late).toMatchObject({ result: 'stale', status: 'delivered' });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('delivered');
  });

  it('a report that arrives before the sender recorded sent is applied, and the send does not undo it', async () => {
    provider.during = async () => {
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered' }),
      );
    };
    expect((await deliverRecord(deps, { message, receiveCount: 1 })).outcome).toBe('sent');
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('delivered');
  });

  it('a duplicated failure with suppression leaves one entry', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    const stop = report({ status: 'undelivered', suppress: 'unsubscribed', reason: '21610' });
    await applyProviderReport({ store: env.store, suppressions }, stop);
    const again = await applyProviderReport({ store: env.store, suppressions }, stop);
    expect(again).toMatchObject({ result: 'stale', suppressed: false });
    expect(suppressions.entries.size).toBe(1);
  });

  it('keeps a detail without moving the status (read after delivered)', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    await applyProviderReport({ store: env.store, suppressions }, report({ status: 'delivered' }));
    await applyProviderReport(
      { store: env.store, suppressions },
      report({ status: 'delivered', detail: 'read' }),
    );
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'delivered',
      providerDetail: 'read',
    });
  });

  it('records a read receipt on a delivered delivery in one write', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    await applyProviderReport({ store: env.store, suppressions }, report({ status: 'delivered' }));
    const before = env.store.outcomeWrites;
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered', detail: 'read' }),
      ),
    ).toEqual({ result: 'applied', status: 'delivered', suppressed: false });
    expect(env.store.outcomeWrites - before).toBe(1);
  });

  it('moves a sent delivery to delivered on a read receipt that beat the delivery report', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered', detail: 'read' }),
      ),
    ).toMatchObject({ result: 'applied', status: 'delivered' });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'delivered',
      providerDetail: 'read',
    });
    // The late delivery report changes nothing.
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered' }),
      ),
    ).toMatchObject({ result: 'stale', status: 'delivered' });
  });

  it('answers unknown for a delivery Herald does not have', async () => {
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ notificationId: 'nope', status: 'delivered' }),
      ),
    ).toEqual({ result: 'unknown' });
  });
});

describe('reports tied to the attempt they describe', () => {
  /** Attempt 1 gets no answer (outcome unknown, though the provider took it as SM1). */
  async function unknownThenSent() {
    provider.hang = true;
    await deliverRecord({ ...deps, providerTimeoutMs: 20 }, { message, receiveCount: 1 });
    provider.hang = false;
    // Attempt 2 is accepted as SM2 and recorded sent.
    expect(await deliverRecord(deps, { message, receiveCount: 2 })).toMatchObject({
      providerMessageId: 'SM2',
    });
  }

  it("attempt 1's late undelivered (SM1) does not override attempt 2's sent (SM2), whose delivered then counts", async () => {
    await unknownThenSent();
    const late = await applyProviderReport(
      { store: env.store, suppressions },
      report({ status: 'undelivered', reason: '30003', providerMessageId: 'SM1' }),
    );
    expect(late).toMatchObject({ result: 'stale', status: 'sent' });
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered', providerMessageId: 'SM2' }),
      ),
    ).toMatchObject({ result: 'applied', status: 'delivered' });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'delivered',
      providerMessageId: 'SM2',
    });
  });

  it('a confirmation of an attempt recorded "outcome unknown" and then failed wins; a replay has nothing to send', async () => {
    provider.hang = true;
    expect(
      (await deliverRecord({ ...deps, providerTimeoutMs: 20 }, { message, receiveCount: 5 }))
        .outcome,
    ).toBe('exhausted');
    expect(env.store.delivery('n1', 'sms#0')?.lastError).toMatch(/outcome unknown/);
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'delivered', providerMessageId: 'SM1' }),
      ),
    ).toMatchObject({ result: 'applied', status: 'delivered' });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'delivered',
      providerMessageId: 'SM1',
    });
    // The replay's re-open (failed -> queued) finds it delivered: no second send.
    expect(await env.store.reopen('n1', 'sms#0')).toBe(false);
  });

  it('a failure report never moves a failed delivery (only a confirmation does)', async () => {
    provider.hang = true;
    await deliverRecord({ ...deps, providerTimeoutMs: 20 }, { message, receiveCount: 5 });
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        report({ status: 'undelivered', providerMessageId: 'SM1' }),
      ),
    ).toMatchObject({ result: 'stale', status: 'failed' });
  });
});

describe('suppression only from a report that applied', () => {
  const stop = (extra: Partial<ProviderReport> = {}) =>
    report({
      status: 'failed',
      reason: '21610: Twilio reported the message failed',
      suppress: 'unsubscribed',
      providerMessageId: 'SM1',
      ...extra,
    });

  it('a captured callback replayed after an admin lifted the suppression does not suppress again', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(await applyProviderReport({ store: env.store, suppressions }, stop())).toMatchObject({
      result: 'applied',
      suppressed: true,
    });
    expect(await suppressions.remove('acme', 'sms', message.recipient)).toBe(true);
    expect(await applyProviderReport({ store: env.store, suppressions }, stop())).toMatchObject({
      result: 'stale',
      suppressed: false,
    });
    expect(suppressions.entries.size).toBe(0);
  });

  it("a callback whose MessageSid is not the delivery's attempt changes and suppresses nothing", async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(
      await applyProviderReport(
        { store: env.store, suppressions },
        stop({ providerMessageId: 'SM-other' }),
      ),
    ).toMatchObject({ result: 'stale', status: 'sent', suppressed: false });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'sent',
      providerMessageId: 'SM1',
    });
    expect(suppressions.entries.size).toBe(0);
  });

  it("suppresses for the delivery's own tenant, whatever tenant the report names", async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    await applyProviderReport({ store: env.store, suppressions }, stop({ tenantId: 'other' }));
    expect([...suppressions.entries.values()]).toEqual([
      expect.objectContaining({ tenantId: 'acme', recipient: message.recipient }),
    ]);
  });
});

describe("Herald's clock, not the provider's", () => {
  it('a late report does not move updatedAt back, and the suppression is dated when it was taken', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    const later = NOW + 60_000;
    await applyProviderReport(
      { store: env.store, suppressions, now: () => later },
      report({
        status: 'undelivered',
        suppress: 'unsubscribed',
        providerMessageId: 'SM1',
        // The provider's own timestamp, an hour before the send.
        occurredAt: NOW - 3_600_000,
      }),
    );
    expect(env.store.delivery('n1', 'sms#0')?.updatedAt).toBe(new Date(later).toISOString());
    expect([...suppressions.entries.values()][0]?.createdAt).toBe(new Date(later).toISOString());
  });
});
