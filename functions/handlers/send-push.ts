import { createFcmPushSource } from '../runtime/providers/fcm-push-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the push queues (both lanes) -> the push provider. */
export const handler = createChannelHandler('push', createFcmPushSource());
