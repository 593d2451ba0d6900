import { describe, expect, it } from 'vitest';
import {
  deliveryMessage,
  encodeDeliveryMessage,
  parseDeliveryMessage,
} from '../../../../functions/core/delivery/delivery-message';
import { MalformedMessageError } from '../../../../functions/core/shared/errors';

const valid = {
  v: 1,
  notificationId: 'n1',
  deliveryId: 'sms#0',
  channel: 'sms',
  recipient: '+14155550001',
};

describe('parseDeliveryMessage', () => {
  it('reads what deliveryMessage writes', () => {
    const record = { ...valid, channel: 'sms' as const, status: 'queued' as const };
    const body = JSON.stringify(deliveryMessage(record as never));
    expect(parseDeliveryMessage(body, 'sms')).toEqual(valid);
  });

  it('carries the tenant, and still reads messages queued without one', () => {
    const record = {
      ...valid,
      tenantId: 'acme',
      channel: 'sms' as const,
      status: 'queued' as const,
    };
    const body = JSON.stringify(deliveryMessage(record as never));
    expect(JSON.parse(body)).toMatchObject({ tenantId: 'acme' });
    expect(parseDeliveryMessage(body, 'sms')).toEqual({ ...valid, tenantId: 'acme' });
    expect(parseDeliveryMessage(JSON.stringify(valid), 'sms')).toEqual(valid);
    // Anything but a non-empty string is dropped, not trusted.
    for (const tenantId of ['', 7, null, { id: 'acme' }])
      expect(parseDeliveryMessage(JSON.stringify({ ...valid, tenantId }), 'sms')).toEqual(valid);
  });

  it('keeps only the known fields', () => {
    const body = JSON.stringify({ ...valid, extra: 'x', content: { text: 'big' } });
    expect(parseDeliveryMessage(body, 'sms')).toEqual(valid);
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'sms'],
    ['version 2', { ...valid, v: 2 }],
    ['version "1"', { ...valid, v: '1' }],
    ['an empty notification id', { ...valid, notificationId: '' }],
    ['a numeric delivery id', { ...valid, deliveryId: 7 }],
    ['an unknown channel', { ...valid, channel: 'fax' }],
    ['no recipient', { ...valid, recipient: undefined }],
  ])('rejects %s as not a delivery message', (_, json) => {
    expect(() => parseDeliveryMessage(JSON.stringify(json), 'sms')).toThrow(MalformedMessageError);
    expect(() => parseDeliveryMessage(JSON.stringify(json), 'sms')).toThrow(
      'not a delivery message',
    );
  });

  it('rejects a message of another channel', () => {
    const body = JSON.stringify({ ...valid, channel: 'email' });
    expect(() => parseDeliveryMessage(body, 'sms')).toThrow('message for email on the sms queue');
  });
});

describe('encodeDeliveryMessage', () => {
  const record = (recipient: string) =>
    ({ ...valid, recipient, channel: 'slack', tenantId: 'acme', status: 'queued' }) as never;

  it.each([
    ['an emoji (above U+FFFF)', '#launch-\u{1F680}'],
    ['accented letters', '#caf\u00e9'],
    ['a character next to the surrogates', '#\uFFFD\uD7FF\uE000'],
    ['quotes and backslashes', '#a"b\\c'],
  ])('writes %s as ASCII that reads back the same', (_label, recipient) => {
    const body = encodeDeliveryMessage(record(recipient));
    // Printable ASCII only: no SQS, real or emulated, can refuse it.
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(parseDeliveryMessage(body, 'slack')).toEqual({
      ...valid,
      channel: 'slack',
      recipient,
      tenantId: 'acme',
    });
  });

  it('stays far below the SQS message size with the longest recipient, all escaped', () => {
    // A push token is at most 512 UTF-16 units; as 256 emoji each unit becomes a 6-byte escape.
    const body = encodeDeliveryMessage(record('\u{1F680}'.repeat(256)));
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(4 * 1024);
  });
});
