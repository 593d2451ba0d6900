import { createChannelHandler } from '../commons/channel-handler';
import { createSesEmailSource } from '../providers/email/ses-email-source';

/** SQS event source of the email queues (both lanes) -> the email provider. */
export const handler = createChannelHandler('email', createSesEmailSource());
