import { createChannelHandler } from '../commons/channel-handler';
import { createIotMqttSource } from '../providers/mqtt/iot-mqtt-source';

/** SQS event source of the mqtt queues (both lanes) -> the mqtt provider. */
export const handler = createChannelHandler('mqtt', createIotMqttSource());
