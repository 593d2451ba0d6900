import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Channel } from '../../functions/core/notifications/model';
import type { ChannelSender } from './channel-sender';
import { grantItems } from './data-table';

/** Partition keys of the send-rate buckets (functions/adapters/dynamodb/token-bucket-store.ts). */
export const RATE_BUCKET_ITEMS = 'RATE#*';

/** Channels whose sender function books its provider's send rate (functions/runtime/rate-limits.ts). */
export const RATE_LIMITED_CHANNELS: readonly Channel[] = ['sms', 'whatsapp', 'slack'];

/**
 * What the send-rate gate needs on each rate-limited sender: its buckets (conditional UpdateItem,
 * and GetItem after a refusal without the item) and SendMessage on its own two lanes only, where
 * a delivery over the rate waits as a delayed copy.
 */
export function grantSendRates(
  senders: ReadonlyMap<Channel, ChannelSender>,
  table: dynamodb.ITable,
): void {
  for (const channel of RATE_LIMITED_CHANNELS) {
    const sender = senders.get(channel);
    if (!sender) continue;
    const fn = sender.function.fn;
    grantItems(fn, table, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], RATE_BUCKET_ITEMS);
    for (const queue of sender.queues) queue.grantSendMessages(fn);
  }
}
