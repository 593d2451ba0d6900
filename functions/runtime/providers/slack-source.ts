import * as z from 'zod/mini';
import { SlackProvider } from '../../adapters/providers/slack/slack-provider';
import { slackTenantProvider } from './slack-tenant';
import {
  type ProviderSource,
  type ProviderSourceDeps,
  parseEnv,
  parseSecret,
  secretBackedSource,
  secretReader,
} from './source';

const envSchema = z.object({
  SLACK_SECRET_ID: z.string().check(z.minLength(1)),
  SLACK_API_URL: z.optional(z.url().check(z.endsWith('/api/', 'must end in /api/'))),
});

const secretSchema = z.object({ botToken: z.string().check(z.minLength(1)) });

/** The slack function's provider: the Web API with the bot token from the Slack secret. */
export function createSlackSource(
  env: NodeJS.ProcessEnv = process.env,
  deps: ProviderSourceDeps = {},
): ProviderSource<'slack'> {
  const settings = parseEnv(envSchema, env);
  const source = secretBackedSource(
    'Slack',
    settings.SLACK_SECRET_ID,
    secretReader(deps),
    (value) => {
      const secret = parseSecret(secretSchema, value, settings.SLACK_SECRET_ID);
      return new SlackProvider({
        botToken: secret.botToken,
        ...(settings.SLACK_API_URL !== undefined && { apiUrl: settings.SLACK_API_URL }),
      });
    },
  );
  // Slack counts ~1 message/s per channel: each channel (of the stack's bot) is a sender.
  return {
    ...source,
    senders: async () => ({ owner: 'stack', kind: 'slack-channel', ids: [] }),
    tenant: slackTenantProvider,
  };
}
