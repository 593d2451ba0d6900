import { describe, expect, it } from 'vitest';
import {
  historyEntry,
  deliveryItem as storedDelivery,
} from '../../../../functions/adapters/dynamodb/items';
import {
  ATTEMPT_HISTORY_SIZE,
  type DeliveryRecord,
} from '../../../../functions/core/notifications/model';

/** DynamoDB's item size rules: names + values; numbers ~1 byte per 2 digits + 1; maps/lists +3, +1 per element. */
function size(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + size(v), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (n, [k, v]) => n + 1 + Buffer.byteLength(k) + size(v),
      0,
    )
  );
}
const itemSize = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + size(v), 0);

function deliveryItem(
  recipient: string,
  attempts: number,
  error: string,
  metadata?: Record<string, string>,
) {
  const record: DeliveryRecord = {
    notificationId: '0b6f3f5e-8f1a-4d7e-9a59-2f6a5c1b7e21',
    deliveryId: 'email#999',
    channel: 'email',
    recipient,
    status: 'failed',
    attempts,
    createdAt: '2026-12-02T05:00:00.000Z',
    updatedAt: '2026-12-02T05:00:00.000Z',
    tenantId: 'tenant-with-a-longish-name',
    ...(metadata && { metadata }),
  };
  const history: Record<string, unknown> = {};
  for (let n = Math.max(1, attempts - ATTEMPT_HISTORY_SIZE + 1); n <= attempts; n++) {
    history[String(n % ATTEMPT_HISTORY_SIZE)] = historyEntry(n, Date.now(), 'retry', error);
  }
  return {
    ...storedDelivery(record, 1_900_000_000),
    version: attempts * 2 + 1,
    leaseUntil: Date.now(),
    providerMessageId: '010001927d5f4a3b-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718-000000',
    lastError: error.slice(0, 256),
    history,
  };
}

describe('delivery item size (one write unit is 1 KB)', () => {
  it('stays under 1 KB with one attempt and small metadata', () => {
    const item = deliveryItem('ada.lovelace@example.com', 1, 'ok', { orderId: 'ord_1234567890' });
    expect(itemSize(item)).toBeLessThan(1024);
  });

  it('stays under 1 KB with five failed attempts, long errors and a 60-character address', () => {
    const error = `ProviderError: ${'x'.repeat(300)}`;
    expect(itemSize(deliveryItem(`${'a'.repeat(48)}@example.com`, 5, error))).toBeLessThan(1024);
  });

  it('needs at most 2 write units with a full history, long errors and a 100-character address', () => {
    const error = `ProviderError: ${'x'.repeat(300)}`;
    const item = deliveryItem(`${'a'.repeat(88)}@example.com`, 12, error);
    expect(itemSize(item)).toBeLessThan(2048);
    // The history keeps 10 entries however many attempts there were.
    expect(Object.keys(item.history)).toHaveLength(ATTEMPT_HISTORY_SIZE);
  });
});
