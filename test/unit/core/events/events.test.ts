import { describe, expect, it } from 'vitest';
import {
  becameFinal,
  completionEventOf,
  type DeliverySnapshot,
  deliveryEventOf,
  webhookDisabledEventOf,
} from '../../../../functions/core/events/model';

const base: DeliverySnapshot = {
  notificationId: 'n1',
  deliveryId: 'sms#0',
  channel: 'sms',
  recipient: '+14155550100',
  status: 'sending',
  attempts: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:01.000Z',
  tenantId: 't1',
  version: 2,
  metadata: { orderId: 'o-1' },
  history: [],
};
const at = (patch: Partial<DeliverySnapshot>): DeliverySnapshot => ({ ...base, ...patch });

describe('deliveryEventOf', () => {
  it('maps a move into a final status to delivery.<status> with the public shape', () => {
    const event = deliveryEventOf({
      before: base,
      after: at({
        status: 'delivered',
        version: 3,
        providerMessageId: 'SM1',
        updatedAt: '2026-12-01T00:00:02.000Z',
      }),
    });
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'delivery.delivered',
      occurredAt: '2026-12-01T00:00:02.000Z',
      tenantId: 't1',
      notificationId: 'n1',
      deliveryId: 'sms#0',
      channel: 'sms',
      recipient: '+14155550100',
      status: 'delivered',
      attempts: 1,
      version: 3,
      providerMessageId: 'SM1',
      metadata: { orderId: 'o-1' },
    });
  });

  it('gives the same change the same id, and another change another id', () => {
    const change = { before: base, after: at({ status: 'failed', version: 3, lastError: 'x' }) };
    expect(deliveryEventOf(change)?.id).toBe(deliveryEventOf(structuredClone(change))?.id);
    const later = { before: change.after, after: at({ status: 'failed', version: 4 }) };
    expect(deliveryEventOf(later)).toBeUndefined();
    const other = { before: base, after: at({ status: 'failed', version: 5 }) };
    expect(deliveryEventOf(other)?.id).not.toBe(deliveryEventOf(change)?.id);
  });

  it('carries the error on failures', () => {
    const event = deliveryEventOf({
      before: base,
      after: at({ status: 'failed', version: 3, lastError: 'bad number' }),
    });
    expect(event).toMatchObject({ type: 'delivery.failed', error: 'bad number' });
  });

  it('makes no event for internal moves: claim, release, replay', () => {
    expect(deliveryEventOf({ before: at({ status: 'queued' }), after: base })).toBeUndefined();
    expect(
      deliveryEventOf({ before: at({ status: 'scheduled' }), after: at({ status: 'queued' }) }),
    ).toBeUndefined();
    expect(
      deliveryEventOf({ before: at({ status: 'failed' }), after: at({ status: 'queued' }) }),
    ).toBeUndefined();
    expect(deliveryEventOf({ after: at({ status: 'queued', version: 1 }) })).toBeUndefined();
    expect(deliveryEventOf({ before: base })).toBeUndefined();
  });

  it('maps a newly recorded transient failure to delivery.retrying', () => {
    const retried = at({
      version: 3,
      lastError: 'timeout',
      history: [{ n: 1, at: 5, outcome: 'retry', error: 'timeout' }],
    });
    expect(deliveryEventOf({ before: base, after: retried })).toMatchObject({
      type: 'delivery.retrying',
      error: 'timeout',
    });
    // The next claim keeps the same history: no second retrying event.
    expect(
      deliveryEventOf({ before: retried, after: at({ ...retried, attempts: 2, version: 4 }) }),
    ).toBeUndefined();
  });
});

describe('completionEventOf', () => {
  const trigger = at({ status: 'delivered', version: 3 });
  it('needs every delivery final', () => {
    expect(
      completionEventOf(trigger, [
        { deliveryId: 'sms#0', status: 'delivered', version: 3 },
        { deliveryId: 'sms#1', status: 'sending', version: 2 },
      ]),
    ).toBeUndefined();
  });

  it('aggregates, counts, and gives readers of one completion the same id', () => {
    const states = [
      { deliveryId: 'sms#0', status: 'delivered' as const, version: 3 },
      { deliveryId: 'sms#1', status: 'failed' as const, version: 4 },
    ];
    const event = completionEventOf(trigger, states);
    expect(event).toMatchObject({
      type: 'notification.completed',
      status: 'partially_failed',
      counts: { delivered: 1, failed: 1 },
      deliveries: 2,
      metadata: { orderId: 'o-1' },
    });
    // Two readers of the same state (two deliveries finishing at once) emit the same id.
    expect(
      completionEventOf(at({ deliveryId: 'sms#1', status: 'failed' }), [...states].reverse())?.id,
    ).toBe(event?.id);
  });

  it('keeps one id for one completion when a later report changed a delivery before a retry', () => {
    // sms#1's change completed the notification; the batch is retried after sms#0 was reported
    // bounced (a new version of an already final delivery): still the same completion.
    const finishing = at({ deliveryId: 'sms#1', status: 'failed', version: 4 });
    const first = completionEventOf(finishing, [
      { deliveryId: 'sms#0', status: 'delivered', version: 3 },
      { deliveryId: 'sms#1', status: 'failed', version: 4 },
    ]);
    const retried = completionEventOf(finishing, [
      { deliveryId: 'sms#0', status: 'bounced', version: 5 },
      { deliveryId: 'sms#1', status: 'failed', version: 4 },
    ]);
    expect(first?.id).toBeDefined();
    expect(retried?.id).toBe(first?.id);
  });

  it('gives a new id to the completion after a replay re-opened and finished a delivery', () => {
    const first = completionEventOf(at({ deliveryId: 'sms#1', status: 'failed', version: 4 }), [
      { deliveryId: 'sms#0', status: 'delivered', version: 3 },
      { deliveryId: 'sms#1', status: 'failed', version: 4 },
    ]);
    const replayed = at({ deliveryId: 'sms#1', status: 'sent', version: 7, replays: 1 });
    const again = completionEventOf(replayed, [
      { deliveryId: 'sms#0', status: 'delivered', version: 3 },
      { deliveryId: 'sms#1', status: 'sent', version: 7, replays: 1 },
    ]);
    expect(again?.status).toBe('sent');
    expect(again?.id).not.toBe(first?.id);
  });

  it('knows when a change finished a delivery', () => {
    expect(becameFinal({ before: base, after: at({ status: 'sent' }) })).toBe(true);
    expect(
      becameFinal({ before: at({ status: 'sent' }), after: at({ status: 'delivered' }) }),
    ).toBe(false);
  });
});

describe('webhookDisabledEventOf', () => {
  const hook = {
    id: 'wh_1',
    tenantId: 't1',
    url: 'https://x.example/h',
    enabled: true,
    updatedAt: 'a',
  };
  it('reports Herald disabling an endpoint, not a tenant switching it off', () => {
    expect(
      webhookDisabledEventOf(hook, {
        ...hook,
        enabled: false,
        disabledReason: '410',
        disabledAt: 'b',
      }),
    ).toMatchObject({
      type: 'webhook.disabled',
      webhookId: 'wh_1',
      reason: '410',
      occurredAt: 'b',
    });
    expect(webhookDisabledEventOf(hook, { ...hook, enabled: false })).toBeUndefined();
  });
});
