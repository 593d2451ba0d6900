import {
  CHANNELS,
  type Channel,
  type DeliveryMessage,
  type DeliveryRecord,
} from '../notifications/model';
import { asciiJson } from '../shared/ascii-json';
import { MalformedMessageError } from '../shared/errors';

/** The body of the SQS message for one delivery (version 1). Content stays on the notification. */
export function deliveryMessage(record: DeliveryRecord): DeliveryMessage {
  return {
    v: 1,
    notificationId: record.notificationId,
    deliveryId: record.deliveryId,
    channel: record.channel,
    recipient: record.recipient,
    ...(record.tenantId && { tenantId: record.tenantId }),
    ...(record.recipientId && { recipientId: record.recipientId }),
    createdAt: record.createdAt,
    ...(record.metadata &&
      Object.keys(record.metadata).length > 0 && { metadata: record.metadata }),
    ...(record.template && { template: record.template }),
  };
}

/**
 * The message body as queued: ASCII JSON (shared/ascii-json.ts), so a recipient with any character
 * SQS accepts, an emoji included, is carried by every SQS, the local emulator too.
 */
export function encodeDeliveryMessage(record: DeliveryRecord): string {
  return asciiJson(deliveryMessage(record));
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * Checked by hand, not with a zod schema: this runs in every channel function, which otherwise
 * never loads zod (about 450 KB and tens of milliseconds of cold start).
 */
function isDeliveryMessage(json: unknown): json is DeliveryMessage {
  if (typeof json !== 'object' || json === null) return false;
  const m = json as Record<string, unknown>;
  return (
    m.v === 1 &&
    nonEmpty(m.notificationId) &&
    nonEmpty(m.deliveryId) &&
    (CHANNELS as readonly unknown[]).includes(m.channel) &&
    nonEmpty(m.recipient)
  );
}

/** A queue message body as a delivery message for `channel`, or MalformedMessageError. */
export function parseDeliveryMessage(body: string, channel: Channel): DeliveryMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  if (!isDeliveryMessage(json)) {
    throw new MalformedMessageError('message body is not a delivery message');
  }
  if (json.channel !== channel) {
    throw new MalformedMessageError(`message for ${json.channel} on the ${channel} queue`);
  }
  // Only the known fields: a message with extra ones is still read as version 1. The tenant is
  // optional (older messages lack it) and only kept when it is a non-empty string.
  const { v, notificationId, deliveryId, recipient } = json;
  const tenantId = (json as { tenantId?: unknown }).tenantId;
  const recipientId = (json as { recipientId?: unknown }).recipientId;
  const { createdAt, metadata, template } = json as {
    createdAt?: unknown;
    metadata?: unknown;
    template?: { key?: unknown; version?: unknown };
  };
  return {
    v,
    notificationId,
    deliveryId,
    channel: json.channel,
    recipient,
    ...(nonEmpty(tenantId) && { tenantId }),
    ...(nonEmpty(recipientId) && { recipientId }),
    ...(nonEmpty(createdAt) && { createdAt }),
    ...(isStringMap(metadata) && { metadata }),
    ...(typeof template?.key === 'string' &&
      typeof template.version === 'number' && {
        template: { key: template.key, version: template.version },
      }),
  };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
