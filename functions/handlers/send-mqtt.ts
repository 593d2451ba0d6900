import { createIotMqttSource } from '../runtime/providers/iot-mqtt-source';
import { createChannelHandler } from '../runtime/sqs-channel-handler';

/** SQS event source of the mqtt queues (both lanes) -> the mqtt provider. */
export const handler = createChannelHandler('mqtt', createIotMqttSource());
