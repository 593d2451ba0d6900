import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliverDependencies,
  deliverRecord,
} from '../../../../functions/core/delivery/deliver';
import { failOnLastReceive } from '../../../../functions/core/delivery/last-receive';
import type { DeliveryMessage } from '../../../../functions/core/notifications/model';
import { OutcomeNotRecordedError } from '../../../../functions/core/shared/errors';
import { ScriptedProvider, transient } from '../fakes';
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
let deps: DeliverDependencies;
const throttled = new Error('ProvisionedThroughputExceededException');

beforeEach(async () => {
  env = world();
  provider = new ScriptedProvider();
  deps = {
    channel: 'sms',
    store: env.store,
    provider: async () => provider,
    maxReceiveCount: 5,
    retryBaseSeconds: 2,
    retryMaxSeconds: 60,
    leaseMs: 30_000,
    now: () => NOW,
  };
  await env.ingest([message.recipient]);
});

describe('failOnLastReceive (a last receive that threw outside the provider call)', () => {
  it('never fails a delivery another copy of the message is sending right now', async () => {
    let fallback: boolean | undefined;
    provider.during = async () => {
      // The second copy's last receive throws (its claim was throttled) while this one sends.
      fallback = await failOnLastReceive(deps, { message, receiveCount: 5 }, throttled);
    };
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toMatchObject({
      outcome: 'sent',
    });
    expect(fallback).toBe(false);
    // The send that went out is recorded as sent, not failed: nothing for a replay to resend.
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sent' });
  });

  it('fails a delivery waiting for a retry (no attempt holds it): a final state before the DLQ', async () => {
    provider.script = [transient()];
    expect((await deliverRecord(deps, { message, receiveCount: 4 })).outcome).toBe('retry');
    expect(await failOnLastReceive(deps, { message, receiveCount: 5 }, throttled)).toBe(true);
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'exhausted',
      lastError: 'gave up after 5 attempts: Error: ProvisionedThroughputExceededException',
    });
  });

  it('fails a queued delivery, and does nothing before the last receive or for an unrecorded send', async () => {
    expect(await failOnLastReceive(deps, { message, receiveCount: 4 }, throttled)).toBe(false);
    const unrecorded = new OutcomeNotRecordedError('accepted, not recorded');
    expect(await failOnLastReceive(deps, { message, receiveCount: 5 }, unrecorded)).toBe(false);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(await failOnLastReceive(deps, { message, receiveCount: 5 }, throttled)).toBe(true);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
  });
});

describe('deliverRecord › a read that fails after the claim', () => {
  beforeEach(() => {
    env.store.getContent = async () => {
      throw throttled;
    };
  });

  it('is a transient failure of the attempt that holds the lease: recorded, lease freed', async () => {
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toMatchObject({
      outcome: 'retry',
      reason: 'Error: ProvisionedThroughputExceededException',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sending', leaseUntil: 0 });
  });

  it('on the last receive records the delivery failed itself (the fallback leaves held ones alone)', async () => {
    expect((await deliverRecord(deps, { message, receiveCount: 5 })).outcome).toBe('exhausted');
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'exhausted',
    });
    expect(provider.sent).toHaveLength(0);
  });
});
