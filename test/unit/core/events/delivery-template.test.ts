import { describe, expect, it } from 'vitest';
import { deliveryItem, toDelivery } from '../../../../functions/adapters/dynamodb/items';
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

describe('delivery events of a template send', () => {
  it('name the template and version the content was rendered from', () => {
    const event = delivered({ template: { key: 'order-shipped', version: 4 } });
    expect(event).toMatchObject({
      type: 'delivery.delivered',
      template: { key: 'order-shipped', version: 4 },
    });
    // The published OpenAPI shape (strict) accepts it, and an event without one.
    expect(deliveryEventShape.safeParse(event).success).toBe(true);
    const raw = delivered({});
    expect(raw && 'template' in raw).toBe(false);
    expect(deliveryEventShape.safeParse(raw).success).toBe(true);
  });

  it('take it from the delivery item, where ingest copies it (as the tenant and metadata)', () => {
    const record = { ...sending, status: 'queued' as const, template: { key: 'k', version: 1 } };
    expect(toDelivery('n1', deliveryItem(record, 0)).template).toEqual({ key: 'k', version: 1 });
    const { template: _, ...plain } = record;
    expect('template' in toDelivery('n1', deliveryItem(plain, 0))).toBe(false);
  });
});
