import { createTwilioSource } from '../runtime/providers/twilio-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the sms queues (both lanes) -> the sms provider. */
export const handler = createChannelHandler('sms', createTwilioSource('sms'));
