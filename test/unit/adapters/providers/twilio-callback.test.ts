import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { parseTwilioCallbackForm } from '../../../../functions/adapters/providers/sms/twilio-callback';

describe('parseTwilioCallbackForm', () => {
  const url = 'https://api.example.com/prod/v1/providers/twilio/status?n=1&d=sms%230&t=acme';

  it('keeps every value of a repeated key for the signature, the last for the report', () => {
    const form = parseTwilioCallbackForm('MessageStatus=sent&AddOns=b&AddOns=a');
    const signature = getExpectedTwilioSignature('token', url, {
      MessageStatus: 'sent',
      AddOns: ['a', 'b'],
    });

    expect(validateRequest('token', signature, url, form.signed)).toBe(true);
    expect(form.fields).toEqual({ MessageStatus: 'sent', AddOns: 'a' });
  });

  it('reads __proto__ as an ordinary field', () => {
    const form = parseTwilioCallbackForm('__proto__=x&MessageStatus=sent');

    expect(Object.keys(form.signed)).toEqual(['__proto__', 'MessageStatus']);
    expect(Object.getPrototypeOf(form.fields)).toBe(Object.prototype);
  });
});
