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
    expect(again).toMatchObject({ result: 'stale', suppressed: true });
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
