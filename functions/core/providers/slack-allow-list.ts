import * as z from 'zod/mini';
import { slackChannel } from '../notifications/requests/fields';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';

/**
 * The Slack channels a tenant may post to through the stack's own bot (issue 22), set by the
 * tenant's admin key. Only for a tenant without a Slack bot of its own: one with its own bot posts
 * wherever that bot is invited. Without a list, the stack decides (`SLACK_ALLOW_LIST_REQUIRED`):
 * any channel (the default, a single-tenant stack as before), or none.
 */
export interface SlackAllowList {
  channels: string[];
  updatedAt: string;
}

export const MAX_ALLOWED_SLACK_CHANNELS = 500;

export const slackAllowListSchema = z.strictObject({
  channels: z
    .array(slackChannel)
    .check(
      z.maxLength(MAX_ALLOWED_SLACK_CHANNELS),
      z.describe(
        'channel names (#ops or ops) or IDs (C0123ABC), compared without # and case; a name and an ID of one channel are two entries. Empty: no channel',
      ),
    ),
});

/** PUT /v1/providers/slack-allow-list: each bad entry a 400 at `channels[i]`. */
export function parseSlackAllowList(body: unknown): string[] {
  const errors: FieldError[] = [];
  const parsed = validateAt(slackAllowListSchema, body, [], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  return [...new Set(parsed.value.channels.map((c) => c.trim()))];
}

/**
 * The channels a tenant's Slack messages are held to, or undefined for any: a tenant with its own
 * bot is never held; one on the stack's bot is held to its list, or with no list to none when the
 * stack requires lists (else any: today's behaviour).
 */
export function slackChannelsFor(
  ownBot: boolean,
  list: SlackAllowList | undefined,
  required: boolean,
): readonly string[] | undefined {
  if (ownBot) return undefined;
  if (list) return list.channels;
  return required ? [] : undefined;
}

/** Where a tenant's allow-list is kept. */
export interface SlackAllowListRepository {
  get(tenantId: string): Promise<SlackAllowList | undefined>;
  put(tenantId: string, list: SlackAllowList): Promise<void>;
  remove(tenantId: string): Promise<boolean>;
}
