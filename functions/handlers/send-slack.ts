import { createSlackSource } from '../runtime/providers/slack-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the slack queues (both lanes) -> the slack provider. */
export const handler = createChannelHandler('slack', createSlackSource());
