import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import * as z from 'zod/mini';
import { IotMqttProvider } from '../../adapters/providers/mqtt/iot-mqtt-provider';
import { PROVIDER_TIMEOUT_MS } from '../../core/notifications/model';
import { traced } from '../tracing';
import { type ProviderSource, parseEnv } from './source';

const envSchema = z.object({ IOT_DATA_ENDPOINT: z.optional(z.url()) });

/**
 * The MQTT function's provider: IoT Core's data plane at the account's endpoint (discovered at
 * deploy time), or AWS_ENDPOINT_URL_IOT_DATA_PLANE when that is not set. maxAttempts 1: SQS
 * owns retries.
 */
export function createIotMqttSource(env: NodeJS.ProcessEnv = process.env): ProviderSource<'mqtt'> {
  const settings = parseEnv(envSchema, env);
  const client = new IoTDataPlaneClient({
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: PROVIDER_TIMEOUT_MS,
      connectionTimeout: 2_000,
      // Without it a passed requestTimeout only logs a warning; the per-call signal also aborts.
      throwOnRequestTimeout: true,
    },
    ...(settings.IOT_DATA_ENDPOINT && { endpoint: settings.IOT_DATA_ENDPOINT }),
  });
  const provider = new IotMqttProvider(traced(client));
  return { get: async () => provider };
}
