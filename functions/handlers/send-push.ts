import { createChannelHandler } from '../runtime/sqs-channel-handler';
import { createFcmPushSource } from '../runtime/providers/fcm-push-source';

/** SQS event source of the push queues (both lanes) -> the push provider. */
export const handler = createChannelHandler('push', createFcmPushSource());
