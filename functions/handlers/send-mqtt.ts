import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the mqtt queue (both lanes) -> the mqtt provider. */
export const handler = createChannelHandler('mqtt');
