import { describe, expect, it } from 'vitest';
import {
  slackChannelAllowed,
  slackChannelKey,
} from '../../../../functions/core/notifications/requests/slack-channels';
import {
  parseSlackAllowList,
  slackChannelsFor,
} from '../../../../functions/core/providers/slack-allow-list';
import { InvalidRequestError } from '../../../../functions/core/shared/errors';

const list = { channels: ['#ops', 'C0ACME01'], updatedAt: '2026-12-07T00:00:00.000Z' };

describe('the Slack allow-list of the stack’s bot', () => {
  it('holds only a tenant on the stack’s bot: to its list, or without one as the stack says', () => {
    expect(slackChannelsFor(true, list, true)).toBeUndefined();
    expect(slackChannelsFor(false, list, false)).toEqual(['#ops', 'C0ACME01']);
    // No list: any channel (a single-tenant stack as before), unless the stack requires lists.
    expect(slackChannelsFor(false, undefined, false)).toBeUndefined();
    expect(slackChannelsFor(false, undefined, true)).toEqual([]);
  });

  it('compares channels without # and case, a name and an ID as different entries', () => {
    expect(slackChannelKey(' #Ops ')).toBe('ops');
    expect(slackChannelAllowed('ops', list.channels)).toBe(true);
    expect(slackChannelAllowed('#OPS', list.channels)).toBe(true);
    expect(slackChannelAllowed('c0acme01', list.channels)).toBe(true);
    expect(slackChannelAllowed('#ops-private', list.channels)).toBe(false);
    expect(slackChannelAllowed('#ops', [])).toBe(false);
  });

  it('reads a PUT body: each bad entry at its index, duplicates kept once', () => {
    expect(parseSlackAllowList({ channels: ['#ops', '#ops', 'C1'] })).toEqual(['#ops', 'C1']);
    try {
      parseSlackAllowList({ channels: ['#ok', 'two words'], extra: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRequestError);
      const paths = (error as InvalidRequestError).errors.map((e) => e.path).sort();
      expect(paths).toEqual(['channels[1]', 'extra']);
    }
  });
});
