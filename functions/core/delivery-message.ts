import { z } from 'zod';
import { MalformedMessageError } from './errors';
import { CHANNELS, type Channel, type DeliveryMessage, type DeliveryRecord } from './model';

/** The body of the SQS message for one delivery (version 1). Content stays on the notification. */
export function deliveryMessage(record: DeliveryRecord): DeliveryMessage {
  return {
    v: 1,
    notificationId: record.notificationId,
    deliveryId: record.deliveryId,
    channel: record.channel,
    recipient: record.recipient,
  };
}

const deliveryMessageSchema = z.object({
  v: z.literal(1),
  notificationId: z.string().min(1),
  deliveryId: z.string().min(1),
  channel: z.enum(CHANNELS),
  recipient: z.string().min(1),
});

/** A queue message body as a delivery message for `channel`, or MalformedMessageError. */
export function parseDeliveryMessage(body: string, channel: Channel): DeliveryMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  const parsed = deliveryMessageSchema.safeParse(json);
  if (!parsed.success) throw new MalformedMessageError('message body is not a delivery message');
  if (parsed.data.channel !== channel) {
    throw new MalformedMessageError(`message for ${parsed.data.channel} on the ${channel} queue`);
  }
  return parsed.data;
}
