import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  type NotificationRequest,
} from '../../../../../functions/core/notifications/model';
import {
  type FieldError,
  parseDispatchRequest,
  type ValidationOptions,
  type ValidationResult,
} from '../../../../../functions/core/notifications/requests';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const DAY = 24 * 60 * 60_000;

const options: ValidationOptions = {
  maxRecipientsPerChannel: 1000,
  enabledChannels: CHANNELS,
  now: NOW,
};

function acceptedValue(result: ValidationResult): NotificationRequest {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errorsOf(result: ValidationResult): FieldError[] {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

function pathsOf(result: ValidationResult): string[] {
  return errorsOf(result).map((error) => error.path);
}

const phone = '+14155550123';
const otherPhone = '+447700900123';

const emailFlat = {
  type: 'email',
  message: 'Welcome email',
  recipients: ['ada@example.com'],
  subject: 'Welcome',
  body: 'Hello Ada',
};
const pushFlat = {
  type: 'push',
  message: 'New order',
  recipients: ['fcm-token-1'],
  title: 'Order',
  body: 'Order 7 shipped',
};
const smsFlat = { type: 'SMS', message: 'Your code is 1234', recipients: [phone] };
const mqttFlat = { type: 'MQTT', message: 'reboot', topic: 'devices/42' };
const slackFlat = { type: 'slack', message: 'Deploy finished', channel: '#ops' };

const allBlocks = {
  type: '*',
  message: 'Shared summary',
  emailChannel: {
    type: 'email',
    subject: 'Welcome',
    body: '<p>Hello</p>',
    recipients: ['ada@example.com'],
  },
  pushChannel: { type: 'push', title: 'Order', body: 'Shipped', recipients: ['fcm-token-1'] },
  smsChannel: { type: 'SMS', message: 'sms text', recipients: [phone] },
  mqttChannel: { type: 'MQTT', topic: 'devices/42', message: 'mqtt payload' },
  slackChannel: { type: 'slack', channel: 'C0123456', message: 'slack text' },
};

describe('parseDispatchRequest', () => {
  describe('type', () => {
    it.each([
      ['email', emailFlat, 'email'],
      ['EMAIL', emailFlat, 'email'],
      ['Email', emailFlat, 'email'],
      ['push', pushFlat, 'push'],
      ['PUSH', pushFlat, 'push'],
      ['SMS', smsFlat, 'sms'],
      ['sms', smsFlat, 'sms'],
      ['Sms', smsFlat, 'sms'],
      ['MQTT', mqttFlat, 'mqtt'],
      ['mqtt', mqttFlat, 'mqtt'],
      ['slack', slackFlat, 'slack'],
      ['SLACK', slackFlat, 'slack'],
    ])('accepts %s in any letter case', (type, body, channel) => {
      const result = acceptedValue(parseDispatchRequest({ ...body, type }, options));
      expect(Object.keys(result.channels)).toEqual([channel]);
    });

    // U+212A KELVIN SIGN lower-cases to an ASCII k: Unicode case folding would make it "slack".
    it.each([['slac\u212A'], ['SLAC\u212A'], ['\uFF53lack']])(
      'refuses %j: a non-ASCII letter that folds to a type name is not one',
      (type) => {
        expect(pathsOf(parseDispatchRequest({ ...slackFlat, type }, options))).toEqual(['type']);
      },
    );

    it.each([['fax'], ['whatsapp'], [''], [' email'], [42], [null], [undefined], [['email']]])(
      'refuses %j at path type, listing the allowed values',
      (type) => {
        const errors = errorsOf(parseDispatchRequest({ ...emailFlat, type }, options));
        expect(errors.map((error) => error.path)).toEqual(['type']);
        for (const allowed of ['email', 'push', 'SMS', 'MQTT', 'slack', '*']) {
          expect(errors[0]?.message).toContain(allowed);
        }
      },
    );
  });

  describe('email', () => {
    it('maps flat fields, a plain-text body becoming text', () => {
      expect(acceptedValue(parseDispatchRequest(emailFlat, options))).toStrictEqual({
        channels: {
          email: {
            channel: 'email',
            recipients: ['ada@example.com'],
            content: { subject: 'Welcome', text: 'Hello Ada' },
          },
        },
        priority: 'normal',
      } satisfies NotificationRequest);
    });

    it.each([
      '<p>Hello</p>',
      '<!DOCTYPE html><html><body>Hi</body></html>',
      'Line one<br/>line two',
      'Hi <a href="https://example.com">there</a>',
      '<!-- template --> Hello',
    ])('sends a body with HTML markup as html: %j', (body) => {
      const result = acceptedValue(parseDispatchRequest({ ...emailFlat, body }, options));
      expect(result.channels.email?.content).toStrictEqual({ subject: 'Welcome', html: body });
    });

    it.each([
      'Contact us at <support@example.com>',
      'if a < b and b > c',
      'I <3 Herald',
      'Price: 5 > 4\nThanks',
    ])('sends a body without markup as text: %j', (body) => {
      const result = acceptedValue(parseDispatchRequest({ ...emailFlat, body }, options));
      expect(result.channels.email?.content).toStrictEqual({ subject: 'Welcome', text: body });
    });

    it('accepts the same fields inside emailChannel', () => {
      const result = parseDispatchRequest(
        {
          type: 'email',
          message: 'Welcome email',
          emailChannel: { subject: 'Block', body: 'Block body', recipients: ['bob@example.com'] },
        },
        options,
      );
      expect(acceptedValue(result).channels.email).toStrictEqual({
        channel: 'email',
        recipients: ['bob@example.com'],
        content: { subject: 'Block', text: 'Block body' },
      });
    });

    it('lets block fields win over flat ones, field by field', () => {
      const result = parseDispatchRequest(
        { ...emailFlat, emailChannel: { subject: 'From block', recipients: null } },
        options,
      );
      expect(acceptedValue(result).channels.email).toStrictEqual({
        channel: 'email',
        recipients: ['ada@example.com'],
        content: { subject: 'From block', text: 'Hello Ada' },
      });
    });

    it('names the bad recipient by its flat path', () => {
      const result = parseDispatchRequest(
        { ...emailFlat, recipients: ['ada@example.com', 'nope'] },
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'recipients[1]', message: 'must be an email address' },
      ]);
    });

    it('names the bad recipient by its block path', () => {
      const result = parseDispatchRequest(
        {
          ...allBlocks,
          emailChannel: {
            ...allBlocks.emailChannel,
            recipients: ['a@example.com', 'b@example.com', 'c@'],
          },
        },
        options,
      );
      expect(pathsOf(result)).toEqual(['emailChannel.recipients[2]']);
    });

    it('requires recipients, subject and body at their flat paths', () => {
      const result = parseDispatchRequest({ type: 'email', message: 'x' }, options);
      expect(errorsOf(result)).toEqual([
        { path: 'recipients', message: 'is required' },
        { path: 'subject', message: 'is required' },
        { path: 'body', message: 'is required' },
      ]);
    });

    it('refuses a subject with a line break', () => {
      const result = parseDispatchRequest(
        { ...emailFlat, subject: 'Hi\r\nBcc: x@example.com' },
        options,
      );
      expect(pathsOf(result)).toEqual(['subject']);
    });

    it('limits the body to 256 KB of UTF-8', () => {
      const result = parseDispatchRequest({ ...emailFlat, body: 'é'.repeat(131_073) }, options);
      expect(pathsOf(result)).toEqual(['body']);
    });

    it('de-duplicates recipients, keeping the first', () => {
      const result = parseDispatchRequest(
        { ...emailFlat, recipients: ['b@example.com', 'a@example.com', 'B@example.com'] },
        options,
      );
      expect(acceptedValue(result).channels.email?.recipients).toEqual([
        'b@example.com',
        'a@example.com',
      ]);
    });
  });

  describe('push', () => {
    it('maps flat fields', () => {
      expect(acceptedValue(parseDispatchRequest(pushFlat, options))).toStrictEqual({
        channels: {
          push: {
            channel: 'push',
            recipients: ['fcm-token-1'],
            content: { title: 'Order', body: 'Order 7 shipped' },
          },
        },
        priority: 'normal',
      });
    });

    it('accepts the fields inside pushChannel, block winning', () => {
      const result = parseDispatchRequest(
        { ...pushFlat, pushChannel: { title: 'Block title', recipients: ['t2', 't2'] } },
        options,
      );
      expect(acceptedValue(result).channels.push).toStrictEqual({
        channel: 'push',
        recipients: ['t2'],
        content: { title: 'Block title', body: 'Order 7 shipped' },
      });
    });

    it('refuses a title and body over 4096 bytes together', () => {
      const result = parseDispatchRequest(
        { ...pushFlat, title: 'T', body: 'b'.repeat(4096) },
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'body', message: 'title, body and data together must be at most 4096 bytes' },
      ]);
    });

    it('requires at least one token', () => {
      expect(pathsOf(parseDispatchRequest({ ...pushFlat, recipients: [] }, options))).toEqual([
        'recipients',
      ]);
    });
  });

  describe('SMS', () => {
    it('maps flat fields, message becoming the text', () => {
      expect(acceptedValue(parseDispatchRequest(smsFlat, options))).toStrictEqual({
        channels: {
          sms: { channel: 'sms', recipients: [phone], content: { text: 'Your code is 1234' } },
        },
        priority: 'normal',
      });
    });

    it('accepts smsChannel, its message winning and falling back to the top-level one', () => {
      const own = parseDispatchRequest(
        { ...smsFlat, smsChannel: { message: 'block text', recipients: [otherPhone] } },
        options,
      );
      expect(acceptedValue(own).channels.sms).toStrictEqual({
        channel: 'sms',
        recipients: [otherPhone],
        content: { text: 'block text' },
      });
      const fallback = parseDispatchRequest(
        { type: 'sms', message: 'top-level', smsChannel: { recipients: [otherPhone] } },
        options,
      );
      expect(acceptedValue(fallback).channels.sms?.content).toStrictEqual({ text: 'top-level' });
    });

    it('requires E.164 numbers, naming the flat path', () => {
      const result = parseDispatchRequest(
        { ...smsFlat, recipients: ['4155550123', phone] },
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'recipients[0]', message: 'must be an E.164 phone number like +14155550123' },
      ]);
    });

    it('requires a message at path message', () => {
      const result = parseDispatchRequest({ type: 'SMS', recipients: [phone] }, options);
      expect(errorsOf(result)).toEqual([{ path: 'message', message: 'is required' }]);
    });

    it('limits the text to 1600 characters', () => {
      const result = parseDispatchRequest({ ...smsFlat, message: 'x'.repeat(1601) }, options);
      expect(errorsOf(result)).toEqual([
        { path: 'message', message: 'must be at most 1600 characters' },
      ]);
    });
  });

  describe('MQTT', () => {
    it('maps flat fields: the topic is the recipient, the message the payload, qos 0', () => {
      expect(acceptedValue(parseDispatchRequest(mqttFlat, options))).toStrictEqual({
        channels: {
          mqtt: {
            channel: 'mqtt',
            recipients: ['devices/42'],
            content: { payload: 'reboot', qos: 0 },
          },
        },
        priority: 'normal',
      });
    });

    it('accepts mqttChannel, block winning', () => {
      const result = parseDispatchRequest(
        { ...mqttFlat, mqttChannel: { topic: 'devices/7', message: 'block payload' } },
        options,
      );
      expect(acceptedValue(result).channels.mqtt).toStrictEqual({
        channel: 'mqtt',
        recipients: ['devices/7'],
        content: { payload: 'block payload', qos: 0 },
      });
    });

    it.each([
      ['devices/+', 'must not contain MQTT wildcards + or #'],
      ['devices/#', 'must not contain MQTT wildcards + or #'],
      ['$aws/x', 'must not start with $ (reserved for the broker)'],
      ['', 'must not be empty'],
    ])('refuses the topic %j', (topic, message) => {
      expect(errorsOf(parseDispatchRequest({ ...mqttFlat, topic }, options))).toEqual([
        { path: 'topic', message },
      ]);
    });

    it("publishes the old service's topics as sent, inside the caller's namespace", () => {
      const acme = { ...options, mqttTopicPrefix: 'herald/', tenantId: 'acme' };
      const topic = 'Mqtt Notification Service:2';
      const single = parseDispatchRequest({ type: 'MQTT', message: 'm', topic }, acme);
      const all = parseDispatchRequest(
        { type: '*', message: 'm', mqttChannel: { type: 'MQTT', topic } },
        acme,
      );
      for (const result of [single, all]) {
        expect(acceptedValue(result).channels.mqtt?.recipients).toEqual([
          'herald/acme/Mqtt Notification Service:2',
        ]);
      }
    });

    it("states a topic limit at the block path, naming the caller's namespace", () => {
      const acme = { ...options, mqttTopicPrefix: 'herald/', tenantId: 'acme' };
      const result = parseDispatchRequest(
        { type: '*', message: 'm', mqttChannel: { topic: 'a/b/c/d/e/f/g' } },
        acme,
      );
      expect(errorsOf(result)).toEqual([
        {
          path: 'mqttChannel.topic',
          message: 'must have at most 5 slashes in your namespace "herald/acme/" (AWS IoT limit)',
        },
      ]);
    });

    it('limits the payload to 128 KB', () => {
      const result = parseDispatchRequest({ ...mqttFlat, message: 'x'.repeat(131_073) }, options);
      expect(pathsOf(result)).toEqual(['message']);
    });
  });

  describe('slack', () => {
    it('maps flat fields: the channel is the recipient', () => {
      expect(acceptedValue(parseDispatchRequest(slackFlat, options))).toStrictEqual({
        channels: {
          slack: { channel: 'slack', recipients: ['#ops'], content: { text: 'Deploy finished' } },
        },
        priority: 'normal',
      });
    });

    it('accepts slackChannel, block winning', () => {
      const result = parseDispatchRequest(
        { ...slackFlat, slackChannel: { channel: 'C999' } },
        options,
      );
      expect(acceptedValue(result).channels.slack).toStrictEqual({
        channel: 'slack',
        recipients: ['C999'],
        content: { text: 'Deploy finished' },
      });
    });

    it('limits the text to 40000 characters', () => {
      const result = parseDispatchRequest({ ...slackFlat, message: 'x'.repeat(40_001) }, options);
      expect(pathsOf(result)).toEqual(['message']);
    });

    it('requires a channel', () => {
      expect(errorsOf(parseDispatchRequest({ type: 'slack', message: 'x' }, options))).toEqual([
        { path: 'channel', message: 'is required' },
      ]);
    });
  });

  describe('"*"', () => {
    it('delivers every block present, MQTT included', () => {
      expect(acceptedValue(parseDispatchRequest(allBlocks, options))).toStrictEqual({
        channels: {
          email: {
            channel: 'email',
            recipients: ['ada@example.com'],
            content: { subject: 'Welcome', html: '<p>Hello</p>' },
          },
          push: {
            channel: 'push',
            recipients: ['fcm-token-1'],
            content: { title: 'Order', body: 'Shipped' },
          },
          sms: { channel: 'sms', recipients: [phone], content: { text: 'sms text' } },
          mqtt: {
            channel: 'mqtt',
            recipients: ['devices/42'],
            content: { payload: 'mqtt payload', qos: 0 },
          },
          slack: { channel: 'slack', recipients: ['C0123456'], content: { text: 'slack text' } },
        },
        priority: 'normal',
      } satisfies NotificationRequest);
    });

    it('delivers only the blocks present', () => {
      const { emailChannel: _e, pushChannel: _p, smsChannel: _s, ...rest } = allBlocks;
      const result = acceptedValue(parseDispatchRequest(rest, options));
      expect(Object.keys(result.channels).sort()).toEqual(['mqtt', 'slack']);
    });

    it('falls back to the top-level message in a block without one', () => {
      const result = parseDispatchRequest(
        {
          type: '*',
          message: 'shared',
          smsChannel: { recipients: [phone] },
          mqttChannel: { topic: 'devices/1' },
          slackChannel: { channel: 'C1' },
        },
        options,
      );
      const channels = acceptedValue(result).channels;
      expect(channels.sms?.content).toStrictEqual({ text: 'shared' });
      expect(channels.mqtt?.content).toStrictEqual({ payload: 'shared', qos: 0 });
      expect(channels.slack?.content).toStrictEqual({ text: 'shared' });
    });

    it.each([
      ['no block', { type: '*', message: 'hello' }],
      ['only null blocks', { type: '*', message: 'hello', emailChannel: null, smsChannel: null }],
    ])('refuses a "*" request with %s', (_label, body) => {
      const errors = errorsOf(parseDispatchRequest(body, options));
      expect(errors.map((error) => error.path)).toEqual(['type']);
      expect(errors[0]?.message).toContain('emailChannel');
    });

    it('reads only blocks, ignoring flat fields', () => {
      const result = parseDispatchRequest(
        { type: '*', message: 'm', recipients: [otherPhone], smsChannel: { recipients: [phone] } },
        options,
      );
      expect(acceptedValue(result).channels.sms?.recipients).toEqual([phone]);
    });

    it('reports a missing field at the block path', () => {
      const result = parseDispatchRequest(
        { type: '*', smsChannel: { recipients: [phone] }, slackChannel: { message: 'x' } },
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'smsChannel.message', message: 'is required' },
        { path: 'slackChannel.channel', message: 'is required' },
      ]);
    });

    it('reports a bad top-level message once, where it is, however many blocks use it', () => {
      const result = parseDispatchRequest(
        {
          type: '*',
          message: 42,
          smsChannel: { recipients: [phone] },
          slackChannel: { channel: 'C1' },
        },
        options,
      );
      expect(errorsOf(result)).toEqual([{ path: 'message', message: 'must be a string' }]);
    });

    it('checks a top-level message against the limit of the block that uses it', () => {
      const result = parseDispatchRequest(
        {
          type: '*',
          message: 'x'.repeat(1601),
          smsChannel: { recipients: [phone] },
          slackChannel: { channel: 'C1' },
        },
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'message', message: 'must be at most 1600 characters' },
      ]);
    });

    it('refuses a block that is not an object', () => {
      const result = parseDispatchRequest({ ...allBlocks, slackChannel: 'C1' }, options);
      expect(errorsOf(result)).toEqual([
        { path: 'slackChannel', message: 'must be a JSON object' },
      ]);
    });

    it('collects the errors of every block', () => {
      const result = parseDispatchRequest(
        {
          type: '*',
          emailChannel: { subject: 'S', body: 'B', recipients: ['ok@example.com', 'bad'] },
          pushChannel: { title: '', body: 'B', recipients: ['t'] },
          smsChannel: { message: 'm', recipients: ['+1'] },
          mqttChannel: { topic: 'a/#', message: 'm' },
          slackChannel: { channel: 'has space', message: 'm' },
        },
        options,
      );
      expect(pathsOf(result)).toEqual([
        'emailChannel.recipients[1]',
        'pushChannel.title',
        'smsChannel.recipients[0]',
        'mqttChannel.topic',
        'slackChannel.channel',
      ]);
    });
  });

  describe('leniency', () => {
    it('ignores unknown keys at the top level and inside blocks', () => {
      const result = parseDispatchRequest(
        {
          ...allBlocks,
          callbackUrl: 'https://old.example.com',
          retries: 3,
          smsChannel: { ...allBlocks.smsChannel, provider: 'twilio' },
        },
        options,
      );
      expect(Object.keys(acceptedValue(result).channels)).toHaveLength(5);
    });

    it('ignores the blocks of other channels in a single-channel request', () => {
      const result = parseDispatchRequest({ ...smsFlat, emailChannel: 'garbage' }, options);
      expect(Object.keys(acceptedValue(result).channels)).toEqual(['sms']);
    });

    it('treats null fields as absent', () => {
      const result = parseDispatchRequest({ ...smsFlat, sendAt: null, smsChannel: null }, options);
      expect(acceptedValue(result)).toStrictEqual({
        channels: {
          sms: { channel: 'sms', recipients: [phone], content: { text: 'Your code is 1234' } },
        },
        priority: 'normal',
      });
    });

    it('still requires a top-level message to be text', () => {
      const result = parseDispatchRequest({ ...emailFlat, message: { summary: 'x' } }, options);
      expect(errorsOf(result)).toEqual([{ path: 'message', message: 'must be a string' }]);
    });

    it('accepts an email or push request without a summary message', () => {
      const { message: _m, ...email } = emailFlat;
      expect(parseDispatchRequest(email, options).ok).toBe(true);
    });
  });

  describe('deployment settings', () => {
    it('refuses a disabled channel at path type in a single-channel request', () => {
      const result = parseDispatchRequest(smsFlat, { ...options, enabledChannels: ['email'] });
      expect(errorsOf(result)).toEqual([
        { path: 'type', message: 'channel not enabled in this deployment' },
      ]);
    });

    it('refuses a disabled channel at its block path in a "*" request', () => {
      const result = parseDispatchRequest(allBlocks, {
        ...options,
        enabledChannels: ['email', 'push', 'sms', 'slack'],
      });
      expect(errorsOf(result)).toEqual([
        { path: 'mqttChannel', message: 'channel not enabled in this deployment' },
      ]);
    });

    it('limits recipients per channel, counting distinct ones', () => {
      const limited = { ...options, maxRecipientsPerChannel: 1 };
      expect(parseDispatchRequest({ ...smsFlat, recipients: [phone, phone] }, limited).ok).toBe(
        true,
      );
      const result = parseDispatchRequest({ ...smsFlat, recipients: [phone, otherPhone] }, limited);
      expect(errorsOf(result)).toEqual([{ path: 'recipients', message: 'at most 1 recipient' }]);
    });
  });

  describe('sendAt', () => {
    it('accepts an ISO-8601 time with an offset', () => {
      const result = parseDispatchRequest(
        { ...smsFlat, sendAt: '2030-01-02T00:00:00+01:00' },
        options,
      );
      expect(acceptedValue(result).sendAt).toBe(Date.parse('2030-01-01T23:00:00Z'));
    });

    it.each([
      ['2030-01-02T00:00:00', 'without an offset'],
      ['2029-12-31T23:50:00Z', 'more than 5 minutes in the past'],
      [new Date(NOW + 366 * DAY).toISOString(), 'more than a year ahead'],
      [1893456000000, 'a number'],
    ])('refuses %j (%s) at path sendAt', (sendAt: unknown, _why: string) => {
      expect(pathsOf(parseDispatchRequest({ ...smsFlat, sendAt }, options))).toEqual(['sendAt']);
    });
  });

  describe('never throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    it.each([
      ['null', null],
      ['an array', [smsFlat]],
      ['a number', 7],
      ['a string', 'SMS'],
      ['an object without prototype', Object.create(null)],
      ['a cyclic message', { ...mqttFlat, message: cyclic }],
      ['recipients as an object', { ...smsFlat, recipients: { 0: phone } }],
      ['a numeric block', { ...allBlocks, emailChannel: 1 }],
    ])('returns field errors for %s', (_label, body) => {
      const result = parseDispatchRequest(body, options);
      expect(result.ok).toBe(false);
      // A client-facing 400: at least one error, each with a field path and a message.
      const errors = result.ok ? [] : result.errors;
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toEqual({ path: expect.any(String), message: expect.stringMatching(/\S/) });
      }
    });

    it('answers a non-object body at the root path', () => {
      expect(errorsOf(parseDispatchRequest(null, options))).toEqual([
        { path: '', message: 'the request body must be a JSON object' },
      ]);
    });
  });
});
