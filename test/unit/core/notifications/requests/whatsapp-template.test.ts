import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../../../../functions/core/notifications/model';
import {
  DEFAULT_MAX_RECIPIENTS_PER_CHANNEL,
  parseV1Request,
  type ValidationResult,
} from '../../../../../functions/core/notifications/requests';
import { parseSuppressionRequest } from '../../../../../functions/core/suppressions/request';

const options = {
  maxRecipientsPerChannel: DEFAULT_MAX_RECIPIENTS_PER_CHANNEL,
  enabledChannels: CHANNELS,
  now: Date.parse('2030-01-01T00:00:00Z'),
};
const SID = `HX${'0123456789abcdef'.repeat(2)}`;
const parse = (whatsapp: unknown) => parseV1Request({ channels: { whatsapp } }, options);
const errors = (result: ValidationResult) => (result.ok ? [] : result.errors);

describe('v1 whatsapp: text or template', () => {
  it('accepts a template with variables and carries it as content', () => {
    const result = parse({
      to: ['+447700900123'],
      template: { contentSid: SID, variables: { '1': 'Ada' } },
    });
    expect(result.ok && result.value.channels.whatsapp?.content).toEqual({
      template: { contentSid: SID, variables: { '1': 'Ada' } },
    });
  });

  it('accepts a template without variables, and free text as before', () => {
    expect(parse({ to: ['+447700900123'], template: { contentSid: SID } }).ok).toBe(true);
    const text = parse({ to: ['+447700900123'], text: 'hi' });
    expect(text.ok && text.value.channels.whatsapp?.content).toEqual({ text: 'hi' });
  });

  it.each([
    ['both', { text: 'hi', template: { contentSid: SID } }, 'channels.whatsapp', /exactly one/],
    ['neither', {}, 'channels.whatsapp', /exactly one/],
    [
      'a malformed SID',
      { template: { contentSid: 'HX123' } },
      'channels.whatsapp.template.contentSid',
      /HX followed by 32 hex/,
    ],
    [
      'an SMS SID',
      { template: { contentSid: `SM${'a'.repeat(32)}` } },
      'channels.whatsapp.template.contentSid',
      /HX/,
    ],
    [
      'a non-string variable',
      { template: { contentSid: SID, variables: { '1': 2 } } },
      'channels.whatsapp.template.variables["1"]',
      /string/,
    ],
    [
      'an unknown template field',
      { template: { contentSid: SID, language: 'en' } },
      'channels.whatsapp.template.language',
      /unknown/,
    ],
  ])('rejects %s with the field path', (_name, fields, path, message) => {
    const found = errors(parse({ to: ['+447700900123'], ...fields }));
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('caps the number of variables', () => {
    const variables = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [String(i + 1), 'x']),
    );
    expect(
      errors(parse({ to: ['+447700900123'], template: { contentSid: SID, variables } })),
    ).toContainEqual({
      path: 'channels.whatsapp.template.variables',
      message: 'must have at most 50 variables',
    });
  });
});

describe('POST /v1/suppressions body', () => {
  it('defaults the reason to manual and checks the recipient by channel', () => {
    expect(parseSuppressionRequest({ channel: 'sms', recipient: '+14155550123' })).toEqual({
      channel: 'sms',
      recipient: '+14155550123',
      reason: 'manual',
    });
    expect(() =>
      parseSuppressionRequest({ channel: 'email', recipient: 'nope', reason: 'because' }),
    ).toThrow(
      expect.objectContaining({
        errors: [
          { path: 'recipient', message: 'must be an email address' },
          { path: 'reason', message: expect.stringMatching(/^must be one of/) },
        ],
      }),
    );
  });
});
