import { createChannelHandler } from '../commons/channel-handler';

/** SQS event source of the whatsapp queue (both lanes) -> the whatsapp provider. */
export const handler = createChannelHandler('whatsapp');
