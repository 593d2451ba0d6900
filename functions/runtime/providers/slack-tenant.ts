import { SlackProvider } from '../../adapters/providers/slack/slack-provider';
import type { TenantProviderBuilder } from './tenant-builder';

/** A tenant's own Slack bot. */
export const slackTenantProvider: TenantProviderBuilder = (_p, secret, { config }) => ({
  provider: new SlackProvider({
    botToken: secret.botToken ?? '',
    ...(config.slackApiUrl && { apiUrl: config.slackApiUrl }),
  }),
});
