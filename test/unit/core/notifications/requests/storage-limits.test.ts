import { describe, expect, it } from 'vitest';
import {
  MAX_NOTIFICATION_CONTENT_BYTES,
  parseV1Request,
  type ValidationOptions,
} from '../../../../../functions/core/notifications/requests';

const options: ValidationOptions = {
  maxRecipientsPerChannel: 1000,
  enabledChannels: ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'],
  now: Date.parse('2026-11-22T00:00:00Z'),
};

describe('validation › what one notification may hold', () => {
  it('rejects content whose fields are each within limits but together exceed one item', () => {
    const result = parseV1Request(
      {
        channels: {
          email: {
            to: ['a@example.com'],
            subject: 's',
            text: 'x'.repeat(200_000),
            html: 'y'.repeat(200_000),
          },
        },
      },
      options,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual([
        {
          path: 'channels',
          message: expect.stringContaining(String(MAX_NOTIFICATION_CONTENT_BYTES)),
        },
      ]);
    }
  });

  it('accepts the largest single email body', () => {
    const result = parseV1Request(
      { channels: { email: { to: ['a@example.com'], subject: 's', html: 'y'.repeat(250_000) } } },
      options,
    );
    expect(result.ok).toBe(true);
  });

  it('rejects Slack blocks nested deeper than DynamoDB can store, naming the field', () => {
    let block: Record<string, unknown> = { type: 'section', text: { type: 'mrkdwn', text: 'x' } };
    for (let i = 0; i < 20; i++) block = { type: 'context', elements: [block] };
    const result = parseV1Request(
      { channels: { slack: { channel: '#ops', text: 't', blocks: [block] } } },
      options,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['channels.slack.blocks']);
  });
});
