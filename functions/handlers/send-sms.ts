import { createChannelHandler } from '../commons/channel-handler';
import { createTwilioSource } from '../providers/sms/twilio-source';

/** SQS event source of the sms queues (both lanes) -> the sms provider. */
export const handler = createChannelHandler('sms', createTwilioSource('sms'));
