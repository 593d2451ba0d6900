import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the sms queue (both lanes) -> the sms provider. */
export const handler = createChannelHandler('sms');
