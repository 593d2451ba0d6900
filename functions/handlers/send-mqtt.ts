import { createChannelHandler } from '../runtime/sqs-channel-handler';
import { createIotMqttSource } from '../runtime/providers/iot-mqtt-source';

/** SQS event source of the mqtt queues (both lanes) -> the mqtt provider. */
export const handler = createChannelHandler('mqtt', createIotMqttSource());
