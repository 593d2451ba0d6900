import { describe, expect, it } from 'vitest';
import {
  parseProviderPath,
  parseProviderRequest,
} from '../../../../functions/core/providers/config';
import { InvalidRequestError } from '../../../../functions/core/shared/errors';

const sid = `AC${'0a'.repeat(16)}`;
const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.errors;
    throw error;
  }
  throw new Error('no error');
};

describe('parseProviderRequest', () => {
  it('splits a Twilio provider into settings (kept) and the auth token (to the vault only)', () => {
    const parsed = parseProviderRequest('sms', {
      accountSid: sid,
      authToken: 'a'.repeat(32),
      senders: ['+14155550100', `MG${'b'.repeat(32)}`],
      priority: 2,
    });
    expect(parsed).toEqual({
      settings: {
        vendor: 'twilio',
        accountSid: sid,
        senders: ['+14155550100', `MG${'b'.repeat(32)}`],
      },
      secret: { authToken: 'a'.repeat(32) },
      priority: 2,
    });
    expect(JSON.stringify(parsed.settings)).not.toContain('a'.repeat(32));
  });

  it('names each bad field, and refuses fields it does not know', () => {
    expect(
      errorsOf(() => parseProviderRequest('sms', { accountSid: 'x', senders: ['555'], extra: 1 })),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'accountSid' }),
        expect.objectContaining({ path: 'authToken' }),
        expect.objectContaining({ path: 'senders[0]' }),
      ]),
    );
    expect(errorsOf(() => parseProviderRequest('slack', { botToken: 'xoxp-1' }))).toEqual([
      { path: 'botToken', message: 'must be a Slack bot token (xoxb-...)' },
    ]);
  });

  it('refuses a rate of 0 and one above the sender kind’s documented maximum, naming the limit', () => {
    const base = { accountSid: sid, authToken: 'a'.repeat(32) };
    expect(
      errorsOf(() =>
        parseProviderRequest('sms', { ...base, senders: ['+14155550100'], ratePerSecond: 0 }),
      ),
    ).toEqual([expect.objectContaining({ path: 'ratePerSecond', message: 'must be above 0' })]);
    const [longCode] = errorsOf(() =>
      parseProviderRequest('sms', { ...base, senders: ['+14155550100'], ratePerSecond: 2 }),
    );
    expect(longCode?.message).toBe(
      'must be at most 1 segments/s, the limit of a long-code (published default 1/s)',
    );
    // A toll-free number may go faster than its default 3/s, up to its maximum.
    expect(
      parseProviderRequest('sms', { ...base, senders: ['+18885550100'], ratePerSecond: 25 })
        .settings,
    ).toMatchObject({ ratePerSecond: 25 });
    const [slack] = errorsOf(() =>
      parseProviderRequest('slack', { botToken: 'xoxb-12345678-abc', ratePerSecond: 5 }),
    );
    expect(slack?.message).toContain('the limit of a slack-channel');
  });

  it('reads a provider path: known channels, safe names', () => {
    expect(parseProviderPath('whatsapp', 'main-2')).toEqual({
      channel: 'whatsapp',
      name: 'main-2',
    });
    expect(errorsOf(() => parseProviderPath('mqtt', 'Main/../x'))).toEqual([
      expect.objectContaining({ path: 'channel' }),
      expect.objectContaining({ path: 'name' }),
    ]);
  });
});
