import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DeliveryChange, DeliverySnapshot, WebhookSnapshot } from '../../core/events/model';
import { DELIVERY_PREFIX, notificationIdOfPartition, toDelivery } from './items';
import { WEBHOOK_PREFIX } from './webhook-store';

/** The part of a DynamoDB Stream record (NEW_AND_OLD_IMAGES) the events function reads. */
export interface StreamImages {
  dynamodb?: {
    OldImage?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
  };
}

type Image = Record<string, unknown> | undefined;

function item(image: Image): Record<string, unknown> | undefined {
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}

function deliverySnapshot(raw: Record<string, unknown> | undefined): DeliverySnapshot | undefined {
  if (!raw || !String(raw.sk).startsWith(DELIVERY_PREFIX)) return undefined;
  const record = toDelivery(notificationIdOfPartition(String(raw.pk)), raw);
  return {
    ...record,
    tenantId: record.tenantId ?? '',
    version: record.version ?? 0,
    metadata: record.metadata ?? {},
    history: record.history ?? [],
  };
}

function webhookSnapshot(raw: Record<string, unknown> | undefined): WebhookSnapshot | undefined {
  if (!raw || !String(raw.sk).startsWith(WEBHOOK_PREFIX)) return undefined;
  const snapshot: WebhookSnapshot = {
    id: String(raw.id),
    tenantId: String(raw.tenantId),
    url: String(raw.url),
    enabled: raw.enabled === true,
    updatedAt: String(raw.updatedAt),
  };
  if (typeof raw.disabledReason === 'string') snapshot.disabledReason = raw.disabledReason;
  if (typeof raw.disabledAt === 'string') snapshot.disabledAt = raw.disabledAt;
  return snapshot;
}

/**
 * Stream records -> the recorded changes of delivery and webhook items, in stream order. Other
 * items (notification content, API keys, attempt logs) make no events and are skipped; a
 * delivery item without a tenant (written before events existed) is skipped too.
 */
export function changesOf(records: readonly StreamImages[]): {
  deliveries: DeliveryChange[];
  webhooks: Array<{ before?: WebhookSnapshot; after?: WebhookSnapshot }>;
} {
  const deliveries: DeliveryChange[] = [];
  const webhooks: Array<{ before?: WebhookSnapshot; after?: WebhookSnapshot }> = [];
  for (const record of records) {
    const before = item(record.dynamodb?.OldImage);
    const after = item(record.dynamodb?.NewImage);
    const d = { before: deliverySnapshot(before), after: deliverySnapshot(after) };
    if ((d.before || d.after) && (d.after ?? d.before)?.tenantId) {
      deliveries.push({
        ...(d.before && { before: d.before }),
        ...(d.after && { after: d.after }),
      });
      continue;
    }
    const w = { before: webhookSnapshot(before), after: webhookSnapshot(after) };
    if (w.before || w.after) {
      webhooks.push({ ...(w.before && { before: w.before }), ...(w.after && { after: w.after }) });
    }
  }
  return { deliveries, webhooks };
}
