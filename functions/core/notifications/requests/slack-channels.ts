import * as z from 'zod/mini';
import { slackChannel } from './fields';
import type { ValidationOptions } from './options';

/**
 * How a Slack channel is compared with an allow-list entry: without a leading `#`, in lower case
 * (channel names are lower case; an ID like C0123ABC matches itself in any case). A channel's name
 * and its ID are different entries: list both if requests use both.
 */
export function slackChannelKey(channel: string): string {
  return channel.trim().replace(/^#/, '').toLowerCase();
}

/** Whether `channel` is on `allowed` (allow-list entries as the admin wrote them). */
export function slackChannelAllowed(channel: string, allowed: readonly string[]): boolean {
  const key = slackChannelKey(channel);
  return allowed.some((entry) => slackChannelKey(entry) === key);
}

/** What a refused channel is told: where the list is and what it holds. */
export function slackChannelRefusal(allowed: readonly string[]): string {
  return allowed.length === 0
    ? 'this tenant may not post through the stack’s Slack bot: no channel is on its allow-list (PUT /v1/providers/slack-allow-list), and it has no Slack bot of its own'
    : `must be a channel on this tenant’s allow-list for the stack’s Slack bot: ${allowed.join(', ')}`;
}

/**
 * A request's Slack channel: with `options.slackChannels` (the tenant posts through the stack's
 * bot under an allow-list) it must be on the list, a 400 at the field with nothing enqueued.
 */
export function allowedSlackChannel(options: ValidationOptions) {
  const allowed = options.slackChannels;
  if (allowed === undefined) return slackChannel;
  return slackChannel.check(
    z.refine((value: string) => slackChannelAllowed(value, allowed), {
      message: slackChannelRefusal(allowed),
    }),
  );
}
