import { createTwilioSource } from '../runtime/providers/twilio-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the whatsapp queues (both lanes) -> the whatsapp provider. */
export const handler = createChannelHandler('whatsapp', createTwilioSource('whatsapp'));
