import { createChannelHandler } from '../commons/channel-handler';
import { createSlackSource } from '../providers/slack/slack-source';

/** SQS event source of the slack queues (both lanes) -> the slack provider. */
export const handler = createChannelHandler('slack', createSlackSource());
