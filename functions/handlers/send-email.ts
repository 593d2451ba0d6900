import { createSesEmailSource } from '../runtime/providers/ses-email-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the email queues (both lanes) -> the email provider. */
export const handler = createChannelHandler('email', createSesEmailSource());
