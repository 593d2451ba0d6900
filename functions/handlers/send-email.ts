import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the email queue (both lanes) -> the email provider. */
export const handler = createChannelHandler('email');
