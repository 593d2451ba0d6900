import { createChannelHandler } from '../commons/channel-handler';
import { createTwilioSource } from '../providers/sms/twilio-source';

/** SQS event source of the whatsapp queues (both lanes) -> the whatsapp provider. */
export const handler = createChannelHandler('whatsapp', createTwilioSource('whatsapp'));
