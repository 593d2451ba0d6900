import { describe, expect, it } from 'vitest';
import type { NotificationRequest } from '../../../../functions/core/notifications/model';
import { UnprocessableRequestError } from '../../../../functions/core/shared/errors';
import { personalize } from '../../../../functions/core/templates/personalize';

function request(): NotificationRequest {
  return {
    priority: 'normal',
    channels: {
      email: {
        channel: 'email',
        recipients: ['a@x.test', 'b@x.test'],
        recipientIds: ['a', 'b'],
        content: { subject: 'Hi A', text: 't', from: 'news@x.test' },
      },
      sms: {
        channel: 'sms',
        recipients: ['+14155550100', '+14155550101'],
        recipientIds: ['a', 'b'],
        content: { text: 'same' },
      },
    },
  };
}

describe('personalize', () => {
  it('gives each delivery its recipient’s content, keeping the sender options; shared stays shared', () => {
    const perRecipient = new Map([
      ['a', { email: { subject: 'Hi A', text: 't' }, sms: { text: 'same' } }],
      ['b', { email: { subject: 'Salut B', text: 't' }, sms: { text: 'same' } }],
    ]);
    const out = personalize(request(), perRecipient);
    expect(out.channels.email?.contents).toEqual([
      { subject: 'Hi A', text: 't', from: 'news@x.test' },
      { subject: 'Salut B', text: 't', from: 'news@x.test' },
    ]);
    expect(out.channels.sms?.contents).toBeUndefined();
  });

  it('refuses content a recipient’s fields made too long for the channel (422)', () => {
    const perRecipient = new Map([
      ['a', { sms: { text: 'ok' } }],
      ['b', { sms: { text: 'x'.repeat(1601) } }],
    ]);
    expect(() => personalize(request(), perRecipient)).toThrow(UnprocessableRequestError);
  });
});
