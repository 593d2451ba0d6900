/*
 * Message tags on every SES send, so an SES event maps to its delivery without a lookup. SES tag
 * values allow only letters, digits, `_` and `-`: the delivery id's `#` travels as `-` (channel
 * names have no `-`) and the tenant id base64url-encoded (whatever characters it has).
 */
export const SES_TAG = {
  notification: 'herald-notification',
  delivery: 'herald-delivery',
  tenant: 'herald-tenant',
} as const;

export interface TaggedIds {
  notificationId: string;
  deliveryId: string;
  tenantId: string;
}

export function sesTags(ids: TaggedIds): { Name: string; Value: string }[] {
  return [
    { Name: SES_TAG.notification, Value: ids.notificationId },
    { Name: SES_TAG.delivery, Value: ids.deliveryId.replace('#', '-') },
    { Name: SES_TAG.tenant, Value: Buffer.from(ids.tenantId, 'utf8').toString('base64url') },
  ];
}

/** The ids back from an SES event's `mail.tags` (each tag is a list of values), if all are there. */
export function idsFromSesTags(tags: unknown): TaggedIds | undefined {
  if (typeof tags !== 'object' || tags === null) return undefined;
  const first = (name: string): string | undefined => {
    const value = (tags as Record<string, unknown>)[name];
    const item: unknown = Array.isArray(value) ? value[0] : undefined;
    return typeof item === 'string' && item !== '' ? item : undefined;
  };
  const notificationId = first(SES_TAG.notification);
  const delivery = first(SES_TAG.delivery);
  const tenant = first(SES_TAG.tenant);
  if (!notificationId || !delivery || !tenant) return undefined;
  return {
    notificationId,
    deliveryId: delivery.replace('-', '#'),
    tenantId: Buffer.from(tenant, 'base64url').toString('utf8'),
  };
}
