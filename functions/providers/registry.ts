import type { Channel } from '../domain/types';
import { createSesEmailSource } from './email/ses-email-source';
import { createIotMqttSource } from './mqtt/iot-mqtt-source';
import { createFcmPushSource } from './push/fcm-push-source';
import { createSlackSource } from './slack/slack-source';
import { createTwilioSource } from './sms/twilio-source';
import type { ProviderSource, ProviderSourceDeps } from './source';

export type { ProviderSource, ProviderSourceDeps, SecretReader } from './source';
export { ProviderConfigError } from './source';

/**
 * Every channel's provider source by name, for tools and tests. Lambda handlers import their
 * own channel's source directly so that each bundle carries only its own vendor SDK.
 */
export function createProviderSource<C extends Channel>(
  channel: C,
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<C> {
  const sources: { [K in Channel]: () => ProviderSource<K> } = {
    email: () => createSesEmailSource(env),
    sms: () => createTwilioSource('sms', env, deps),
    whatsapp: () => createTwilioSource('whatsapp', env, deps),
    push: () => createFcmPushSource(env, deps),
    slack: () => createSlackSource(env, deps),
    mqtt: () => createIotMqttSource(env),
  };
  return sources[channel]() as ProviderSource<C>;
}
