import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the push queue (both lanes) -> the push provider. */
export const handler = createChannelHandler('push');
