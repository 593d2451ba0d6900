import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { SlackAllowListStore } from '../adapters/dynamodb/slack-allow-list-store';
import type { ChannelProvider } from '../core/delivery/ports';
import {
  slackChannelAllowed,
  slackChannelRefusal,
} from '../core/notifications/requests/slack-channels';
import { slackChannelsFor } from '../core/providers/slack-allow-list';
import { ProviderError } from '../core/shared/errors';
import { parseEnv } from './config';

const envSchema = () =>
  z.object({
    /** A tenant on the stack's Slack bot without an allow-list may post nowhere (default: anywhere). */
    SLACK_ALLOW_LIST_REQUIRED: z._default(z.enum(['true', 'false']), 'false'),
    PROVIDER_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0)), 30),
  });

/**
 * Tenants' Slack allow-lists for the stack's bot, as the api (ingest: a 400 at the channel) and
 * the slack function (send: a permanent failure, for sends whose channel came from a recipient's
 * profile, a topic or a workflow) apply them. Kept PROVIDER_CACHE_SECONDS per container.
 */
export function createSlackAllowLists(
  db: DynamoDBDocumentClient,
  tableName: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const settings = parseEnv(envSchema(), env);
  const required = settings.SLACK_ALLOW_LIST_REQUIRED === 'true';
  const store = new SlackAllowListStore(db, tableName);
  const cache = new Map<string, { until: number; list: ReturnType<SlackAllowListStore['get']> }>();

  const listOf = (tenantId: string) => {
    const now = Date.now();
    const hit = cache.get(tenantId);
    if (hit && hit.until > now) return hit.list;
    const list = store.get(tenantId);
    cache.set(tenantId, { until: now + settings.PROVIDER_CACHE_SECONDS * 1000, list });
    list.catch(() => cache.delete(tenantId));
    return list;
  };

  /** The channels this tenant is held to on the stack's bot; undefined: any. */
  async function channelsFor(tenantId: string, ownBot: boolean) {
    if (ownBot) return undefined;
    return slackChannelsFor(false, await listOf(tenantId), required);
  }

  return {
    store,
    /** Whether a tenant on the stack's bot without a list may post nowhere. */
    required,
    channelsFor,
    /** Forgets a tenant's list in this container (after its PUT or DELETE). */
    forget: (tenantId: string) => cache.delete(tenantId),
    /**
     * The stack's Slack route as this tenant may use it: a channel off its list fails the send
     * permanently (nothing reaches Slack), with the reason the tenant sees.
     */
    async restrict<R extends { get(sender?: string): Promise<ChannelProvider> }>(
      route: R,
      tenantId: string,
    ): Promise<R> {
      const allowed = await channelsFor(tenantId, false);
      if (allowed === undefined) return route;
      const held = (base: ChannelProvider): ChannelProvider => ({
        channel: base.channel,
        async send(message, options) {
          if (!slackChannelAllowed(message.recipient, allowed)) {
            throw new ProviderError(
              'permanent',
              'channel_not_allowed',
              `the channel is not on this tenant’s allow-list for the stack’s Slack bot (${slackChannelRefusal(allowed)})`,
            );
          }
          return base.send(message, options);
        },
      });
      return { ...route, get: async (sender?: string) => held(await route.get(sender)) };
    },
  };
}
