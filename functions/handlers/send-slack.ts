import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the slack queue (both lanes) -> the slack provider. */
export const handler = createChannelHandler('slack');
