import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliverDependencies,
  deliverRecord,
} from '../../../../functions/core/delivery/deliver';
import {
  ATTEMPT_MAX_MS,
  type DeliveryMessage,
  RECORD_BUDGET_MS,
} from '../../../../functions/core/notifications/model';
import { OutcomeNotRecordedError } from '../../../../functions/core/shared/errors';
import { permanent, ScriptedProvider, transient } from '../fakes';
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

describe('deliverRecord', () => {
  it('sends once and records sent (accepted, not yet confirmed) with the provider id', async () => {
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toEqual({
      outcome: 'sent',
      status: 'sent',
      providerMessageId: 'SM1',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('takes the tenant from the claimed delivery: no read of the notification', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(provider.sent[0]).toMatchObject({ tenantId: 'acme' });
    expect(env.store.tenantLookups).toBe(0);
  });

  it('reads the tenant for a delivery recorded without one', async () => {
    const delivery = env.store.delivery('n1', 'sms#0');
    if (delivery) delete delivery.tenantId;
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(provider.sent[0]).toMatchObject({ tenantId: 'acme' });
    expect(env.store.tenantLookups).toBe(1);
  });

  it('records delivered at once for Slack, whose acceptance is the delivery', async () => {
    const notification = env.store.notifications.get('n1');
    if (notification) notification.content.slack = { text: 'hello' };
    const outcome = await deliverRecord(
      { ...deps, channel: 'slack' },
      { message: { ...message }, receiveCount: 1 },
    );
    expect(outcome).toMatchObject({ outcome: 'sent', status: 'delivered' });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('delivered');
  });

  it('skips a redelivered message of a sent delivery without calling the provider', async () => {
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(await deliverRecord(deps, { message, receiveCount: 2 })).toEqual({
      outcome: 'skipped',
      reason: 'sent',
    });
    expect(provider.sent).toHaveLength(1);
  });

  it('never claims a cancelled delivery: no provider call', async () => {
    await env.store.cancel('n1', 'sms#0', NOW);
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toEqual({
      outcome: 'skipped',
      reason: 'cancelled',
    });
    expect(provider.sent).toHaveLength(0);
  });

  it('cancel vs. claim: a cancel that arrives while the send is in flight changes nothing', async () => {
    let cancelled: boolean | undefined;
    provider.during = async () => {
      cancelled = await env.store.cancel('n1', 'sms#0', NOW);
    };
    const outcome = await deliverRecord(deps, { message, receiveCount: 1 });
    expect(cancelled).toBe(false);
    expect(outcome.outcome).toBe('sent');
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sent');
  });

  it('a second receive while the first holds the lease does not send again', async () => {
    let second: Awaited<ReturnType<typeof deliverRecord>> | undefined;
    provider.during = async () => {
      provider.during = undefined;
      second = await deliverRecord(deps, { message, receiveCount: 2 });
    };
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(second).toMatchObject({ outcome: 'retry', reason: 'delivery is being sent' });
    expect(provider.sent).toHaveLength(1);
  });

  it('records a permanent failure failed, not retried', async () => {
    provider.script = [permanent()];
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toMatchObject({
      outcome: 'failed',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      lastError: '21211: invalid number',
    });
  });

  it('keeps a transient failure sending with backoff from the receive count', async () => {
    provider.script = [transient()];
    expect(await deliverRecord(deps, { message, receiveCount: 3 })).toEqual({
      outcome: 'retry',
      reason: '20429: too many requests',
      delaySeconds: 8,
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'sending',
      lastError: '20429: too many requests',
    });
    // The lease was freed, so the retry can claim it at once.
    expect((await deliverRecord(deps, { message, receiveCount: 4 })).outcome).toBe('sent');
  });

  it('records the last receive of a transient failure failed: a final state before the DLQ', async () => {
    provider.script = [transient()];
    expect(await deliverRecord(deps, { message, receiveCount: 5 })).toEqual({
      outcome: 'exhausted',
      reason: 'gave up after 5 attempts: 20429: too many requests',
    });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
  });

  it('masks the recipient in a stored reason', async () => {
    provider.script = [
      new (
        permanent()
          .constructor as typeof import('../../../../functions/core/shared/errors').ProviderError
      )('permanent', '21211', `The 'To' number ${message.recipient} is not valid`),
    ];
    await deliverRecord(deps, { message, receiveCount: 1 });
    const reason = env.store.delivery('n1', 'sms#0')?.lastError ?? '';
    expect(reason).not.toContain(message.recipient);
    expect(reason).toContain('+141');
  });
});

describe('deliverRecord › failure kinds and cancel between attempts', () => {
  it('records a permanent failure as permanent and exhausted retries as exhausted', async () => {
    provider.script = [permanent()];
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'permanent',
    });

    await env.ingest(['+14155550002'], {}, 'n2');
    const second = { ...message, notificationId: 'n2', recipient: '+14155550002' };
    provider.script = [transient()];
    expect((await deliverRecord(deps, { message: second, receiveCount: 5 })).outcome).toBe(
      'exhausted',
    );
    expect(env.store.delivery('n2', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'exhausted',
    });
  });

  it('a delivery waiting for a retry can be cancelled; its next receive then sends nothing', async () => {
    provider.script = [transient()];
    expect((await deliverRecord(deps, { message, receiveCount: 1 })).outcome).toBe('retry');
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sending');
    expect(await env.store.cancel('n1', 'sms#0', NOW)).toBe(true);
    expect(await deliverRecord(deps, { message, receiveCount: 2 })).toEqual({
      outcome: 'skipped',
      reason: 'cancelled',
    });
    expect(provider.sent).toHaveLength(1);
  });
});

describe('deliverRecord attempt discipline', () => {
  it('hands a record back uncounted when the invocation has too little time left', async () => {
    const deadline = NOW + ATTEMPT_MAX_MS - 1;
    expect(await deliverRecord(deps, { message, receiveCount: 1, deadline })).toMatchObject({
      outcome: 'handback',
    });
    expect(provider.sent).toHaveLength(0);
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'queued', attempts: 0 });
    // With enough time it goes out, as attempt 1.
    await deliverRecord(deps, { message, receiveCount: 2, deadline: NOW + ATTEMPT_MAX_MS });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('on the last receive, hands nothing to the DLQ: deferred to the reconciler', async () => {
    const deadline = NOW + 1_000;
    expect(await deliverRecord(deps, { message, receiveCount: 5, deadline })).toMatchObject({
      outcome: 'deferred',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('a last receive that finds another attempt in flight is deferred, not sent or failed', async () => {
    let second: Awaited<ReturnType<typeof deliverRecord>> | undefined;
    provider.during = async () => {
      provider.during = undefined;
      second = await deliverRecord(deps, { message, receiveCount: 5 });
    };
    await deliverRecord(deps, { message, receiveCount: 1 });
    expect(second).toMatchObject({ outcome: 'deferred' });
    expect(provider.sent).toHaveLength(1);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sent');
  });

  it('waits out what is left of the other attempt lease, not a whole lease', async () => {
    await env.store.claim('n1', 'sms#0', NOW - 20_000, 30_000);
    expect(await deliverRecord(deps, { message, receiveCount: 2 })).toMatchObject({
      outcome: 'retry',
      delaySeconds: 11,
    });
  });

  it('aborts a hung provider call and records an ambiguous attempt; the retry is a new attempt', async () => {
    provider.hang = true;
    const outcome = await deliverRecord(
      { ...deps, providerTimeoutMs: 30 },
      { message, receiveCount: 1 },
    );
    expect(outcome).toMatchObject({ outcome: 'retry' });
    const after = env.store.delivery('n1', 'sms#0');
    expect(after).toMatchObject({ status: 'sending', attempts: 1 });
    expect(after?.lastError).toMatch(/^outcome unknown \(no answer within 30 ms/);
    expect(provider.inFlight).toBe(0);

    provider.hang = false;
    await deliverRecord(deps, { message, receiveCount: 2 });
    // Every send the provider saw is a recorded attempt, and never two at once.
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(provider.sent).toHaveLength(2);
    expect(provider.peakInFlight).toBe(1);
  });

  it('retries a failed delivered write in-function instead of leaving the delivery sending', async () => {
    env.store.failOutcomeWrites = 2;
    const waits: number[] = [];
    const outcome = await deliverRecord(
      { ...deps, sleep: async (ms) => void waits.push(ms) },
      { message, receiveCount: 1 },
    );
    expect(outcome).toMatchObject({ outcome: 'sent' });
    expect(env.store.outcomeWrites).toBe(3);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThan(RECORD_BUDGET_MS);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sent');
  });

  it('a delivered write that keeps failing throws OutcomeNotRecordedError: never recorded failed', async () => {
    env.store.failOutcomeWrites = 10;
    await expect(
      deliverRecord({ ...deps, sleep: async () => undefined }, { message, receiveCount: 5 }),
    ).rejects.toBeInstanceOf(OutcomeNotRecordedError);
    expect(provider.sent).toHaveLength(1);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sending');
  });
});

describe('deliverRecord › content not readable yet (a read that lags ingest)', () => {
  /** The store's content read misses `times` times, as a read racing ingest can. */
  function missContent(times: number) {
    const read = env.store.getContent.bind(env.store);
    let misses = times;
    env.store.getContent = (async (id: string, channel: 'sms') =>
      misses-- > 0 ? undefined : read(id, channel)) as typeof env.store.getContent;
  }

  it('a miss is retried, never recorded as a permanent failure, and the retry sends', async () => {
    missContent(1);
    expect(await deliverRecord(deps, { message, receiveCount: 1 })).toMatchObject({
      outcome: 'retry',
      reason: 'notification content not found yet',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'sending' });
    expect(provider.sent).toHaveLength(0);
    expect((await deliverRecord(deps, { message, receiveCount: 2 })).outcome).toBe('sent');
    expect(provider.sent).toHaveLength(1);
  });

  it('a miss on the last receive keeps the message for the DLQ (exhausted, not permanent)', async () => {
    missContent(1);
    expect(await deliverRecord(deps, { message, receiveCount: 5 })).toMatchObject({
      outcome: 'exhausted',
    });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'exhausted',
    });
  });
});
