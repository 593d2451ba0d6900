import { randomUUID } from 'node:crypto';
import { io, mqtt } from 'aws-iot-device-sdk-v2';

/** A connected device subscription. */
export interface DeviceSubscription {
  close(): Promise<void>;
}

export type DeviceMessageListener = (topic: string, payload: Buffer) => void;

/**
 * Connect a device to an MQTT broker with aws-iot-device-sdk-v2 and subscribe at QoS 1.
 * Uses the SDK's MQTT 3.1.1 client over plain TCP: the local broker (aedes) speaks 3.1.1 only,
 * and it has no TLS, which is the one difference from a device talking to IoT Core.
 * Resolves once the broker has acknowledged the subscription.
 */
export async function subscribe(
  url: string,
  filter: string,
  onMessage: DeviceMessageListener,
): Promise<DeviceSubscription> {
  const { hostname, port } = parseMqttUrl(url);
  const client = new mqtt.MqttClient();
  const connection = client.new_connection({
    client_id: `herald-device-${randomUUID().slice(0, 8)}`,
    host_name: hostname,
    port,
    clean_session: true,
    keep_alive: 30,
    socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 3_000),
  });
  // Without a listener an 'error' event would be thrown from the native callback.
  connection.on('error', () => undefined);
  await connection.connect();
  try {
    const granted = await connection.subscribe(filter, mqtt.QoS.AtLeastOnce, (topic, payload) => {
      onMessage(topic, Buffer.from(payload));
    });
    // 128 is the SUBACK failure code.
    if (granted.error_code || (granted.qos as number) === 128) {
      throw new Error(`The broker refused the subscription to ${filter}`);
    }
  } catch (error) {
    await connection.disconnect();
    throw error;
  }
  return {
    close: () => connection.disconnect(),
  };
}

function parseMqttUrl(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') {
    throw new Error(`Expected an mqtt://host:port URL, got ${url}`);
  }
  return { hostname: parsed.hostname, port: Number(parsed.port || 1883) };
}
