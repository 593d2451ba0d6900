import { createChannelHandler } from '../commons/channel-handler';
import { createFcmPushSource } from '../providers/push/fcm-push-source';

/** SQS event source of the push queues (both lanes) -> the push provider. */
export const handler = createChannelHandler('push', createFcmPushSource());
