import { describe, expect, it } from 'vitest';
import { type DeliverySnapshot, deliveryEventOf } from '../../../../functions/core/events/model';
import { deliveryEventShape } from '../../../../functions/handlers/api/event-shapes';

const sending: DeliverySnapshot = {
  notificationId: 'n1',
  deliveryId: 'email#0',
  channel: 'email',
  recipient: 'ada@example.com',
  status: 'sending',
  attempts: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:01.000Z',
  tenantId: 't1',
  version: 2,
  metadata: {},
  history: [],
};
const delivered = (patch: Partial<DeliverySnapshot>) =>
  deliveryEventOf({
    before: { ...sending, ...patch },
    after: { ...sending, ...patch, status: 'delivered', version: 3 },
  });

describe('delivery events name the recipient profile', () => {
  it('carries recipientId when the delivery was addressed to a recipient id', () => {
    const event = delivered({ recipientId: 'user-42' });
    expect(event).toMatchObject({
      type: 'delivery.delivered',
      recipient: 'ada@example.com',
      recipientId: 'user-42',
    });
    // The published OpenAPI shape (strict) accepts it.
    expect(deliveryEventShape.safeParse(event).success).toBe(true);
  });

  it('has no recipientId when the request named the address itself', () => {
    const event = delivered({});
    expect(event).toBeDefined();
    expect(event && 'recipientId' in event).toBe(false);
    expect(deliveryEventShape.safeParse(event).success).toBe(true);
  });
});
