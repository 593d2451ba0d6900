import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  type NotificationRequest,
} from '../../../../../functions/core/notifications/model';
import {
  DEFAULT_MAX_RECIPIENTS_PER_CHANNEL,
  type FieldError,
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../../../../../functions/core/notifications/requests';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const options: ValidationOptions = {
  maxRecipientsPerChannel: DEFAULT_MAX_RECIPIENTS_PER_CHANNEL,
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

/** The paths of every error, so a test fails on a missing error and on an unexpected one. */
function pathsOf(result: ValidationResult): string[] {
  return errorsOf(result).map((error) => error.path);
}

function messageAt(result: ValidationResult, path: string): string {
  const error = errorsOf(result).find((candidate) => candidate.path === path);
  if (!error) throw new Error(`no error at ${path}: ${JSON.stringify(errorsOf(result))}`);
  return error.message;
}

const email = { to: ['ada@example.com'], subject: 'Hello', text: 'Hi Ada' };
const sms = { to: ['+14155550123'], text: 'Your code is 1234' };
const push = { tokens: ['token-1'], title: 'Title', body: 'Body' };
const slack = { channel: 'C0123456', text: 'Deploy finished' };
const mqtt = { topic: 'devices/42/alerts', payload: 'reboot' };

const withChannel = (channels: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  channels,
  ...extra,
});

describe('parseV1Request', () => {
  describe('success', () => {
    it('maps every channel to recipients and content', () => {
      const result = parseV1Request(
        {
          channels: {
            email: {
              to: ['ada@example.com', 'bob@example.com'],
              subject: 'Hello',
              text: 'Hi',
              html: '<p>Hi</p>',
              from: 'Herald <noreply@example.com>',
              replyTo: 'support@example.com',
            },
            sms: { to: ['+14155550123'], text: 'sms text' },
            whatsapp: { to: ['+447700900123'], text: 'whatsapp text' },
            push: { tokens: ['t1', 't2'], title: 'T', body: 'B', data: { orderId: '7' } },
            slack: { channel: '#ops', text: 'slack text', blocks: [{ type: 'divider' }] },
            mqtt: { topic: 'devices/1', payload: { alert: 'fire', level: 3 }, qos: 1 },
          },
          sendAt: '2030-01-02T10:00:00+02:00',
          priority: 'high',
          metadata: { campaign: 'spring' },
        },
        options,
      );
      expect(acceptedValue(result)).toStrictEqual({
        channels: {
          email: {
            channel: 'email',
            recipients: ['ada@example.com', 'bob@example.com'],
            content: {
              subject: 'Hello',
              text: 'Hi',
              html: '<p>Hi</p>',
              from: 'Herald <noreply@example.com>',
              replyTo: 'support@example.com',
            },
          },
          sms: { channel: 'sms', recipients: ['+14155550123'], content: { text: 'sms text' } },
          whatsapp: {
            channel: 'whatsapp',
            recipients: ['+447700900123'],
            content: { text: 'whatsapp text' },
          },
          push: {
            channel: 'push',
            recipients: ['t1', 't2'],
            content: { title: 'T', body: 'B', data: { orderId: '7' } },
          },
          slack: {
            channel: 'slack',
            recipients: ['#ops'],
            content: { text: 'slack text', blocks: [{ type: 'divider' }] },
          },
          mqtt: {
            channel: 'mqtt',
            recipients: ['devices/1'],
            content: { payload: '{"alert":"fire","level":3}', qos: 1 },
          },
        },
        sendAt: Date.parse('2030-01-02T08:00:00Z'),
        priority: 'high',
        metadata: { campaign: 'spring' },
      } satisfies NotificationRequest);
    });

    it('defaults priority to normal and mqtt qos to 0, and leaves out absent optional fields', () => {
      const result = parseV1Request(withChannel({ mqtt, email }), options);
      expect(acceptedValue(result)).toStrictEqual({
        channels: {
          email: {
            channel: 'email',
            recipients: ['ada@example.com'],
            content: { subject: 'Hello', text: 'Hi Ada' },
          },
          mqtt: {
            channel: 'mqtt',
            recipients: ['devices/42/alerts'],
            content: { payload: 'reboot', qos: 0 },
          },
        },
        priority: 'normal',
      });
    });

    it('accepts html without text', () => {
      const result = parseV1Request(
        withChannel({ email: { to: ['a@example.com'], subject: 'S', html: '<b>x</b>' } }),
        options,
      );
      expect(acceptedValue(result).channels.email?.content).toStrictEqual({
        subject: 'S',
        html: '<b>x</b>',
      });
    });

    it('keeps an empty-string mqtt payload as is (MQTT allows zero-length payloads)', () => {
      const result = parseV1Request(withChannel({ mqtt: { ...mqtt, payload: '' } }), options);
      expect(acceptedValue(result).channels.mqtt?.content).toStrictEqual({ payload: '', qos: 0 });
    });

    it('de-duplicates recipients keeping the first occurrence and the order', () => {
      const result = acceptedValue(
        parseV1Request(
          withChannel({
            email: {
              ...email,
              to: ['b@example.com', 'Ada@Example.com', 'b@example.com', 'ada@example.com'],
            },
            sms: { ...sms, to: ['+14155550123', '+14155550124', '+14155550123'] },
            whatsapp: { ...sms, to: ['+14155550124', '+14155550124'] },
            push: { ...push, tokens: ['x', 'y', 'x'] },
          }),
          options,
        ),
      );
      expect(result.channels.email?.recipients).toEqual(['b@example.com', 'Ada@Example.com']);
      expect(result.channels.sms?.recipients).toEqual(['+14155550123', '+14155550124']);
      expect(result.channels.whatsapp?.recipients).toEqual(['+14155550124']);
      expect(result.channels.push?.recipients).toEqual(['x', 'y']);
    });
  });

  describe('request body', () => {
    it.each([
      ['null', null],
      ['undefined', undefined],
      ['an array', [{ channels: { sms } }]],
      ['a number', 42],
      ['a string', '{"channels":{}}'],
      ['a boolean', true],
    ])('rejects %s at the root path', (_label, body) => {
      expect(errorsOf(parseV1Request(body, options))).toEqual([
        { path: '', message: 'the request body must be a JSON object' },
      ]);
    });

    it('rejects unknown top-level keys, naming each', () => {
      const result = parseV1Request(withChannel({ sms }, { extra: 1, callbackUrl: 'x' }), options);
      expect(pathsOf(result)).toEqual(['extra', 'callbackUrl']);
      expect(messageAt(result, 'extra')).toBe('unknown field');
    });

    it('requires channels', () => {
      const result = parseV1Request({ priority: 'high' }, options);
      expect(errorsOf(result)).toEqual([{ path: 'channels', message: 'is required' }]);
    });

    it('requires at least one channel', () => {
      expect(pathsOf(parseV1Request({ channels: {} }, options))).toEqual(['channels']);
    });

    it('rejects unknown channel names, naming them and the known ones', () => {
      const result = parseV1Request(withChannel({ sms, fax: { to: ['1'] } }), options);
      expect(pathsOf(result)).toEqual(['channels.fax']);
      expect(messageAt(result, 'channels.fax')).toContain(
        'email, sms, whatsapp, push, slack, mqtt',
      );
    });

    it('rejects unknown keys inside a channel', () => {
      const result = parseV1Request(
        withChannel({ email: { ...email, cc: ['x@example.com'] } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.email.cc']);
    });

    it('rejects a channel that is not an object', () => {
      expect(pathsOf(parseV1Request(withChannel({ sms: 'hi' }), options))).toEqual([
        'channels.sms',
      ]);
    });

    it('rejects a channel not enabled in this deployment', () => {
      const result = parseV1Request(withChannel({ sms, whatsapp: sms }), {
        ...options,
        enabledChannels: ['sms', 'email'],
      });
      expect(errorsOf(result)).toEqual([
        { path: 'channels.whatsapp', message: 'channel not enabled in this deployment' },
      ]);
    });

    it('collects every error, not just the first', () => {
      const result = parseV1Request(
        {
          channels: {
            email: { to: ['not-an-address'], subject: 'a\r\nBcc: x@example.com' },
            sms: { to: ['4155550123'], text: '' },
            mqtt: { topic: 'a/#', payload: 1 },
          },
          priority: 'urgent',
          sendAt: 'tomorrow',
          unknown: true,
        },
        options,
      );
      expect(pathsOf(result).sort()).toEqual(
        [
          'channels.email.to[0]',
          'channels.email.subject',
          'channels.email',
          'channels.sms.to[0]',
          'channels.sms.text',
          'channels.mqtt.topic',
          'channels.mqtt.payload',
          'priority',
          'sendAt',
          'unknown',
        ].sort(),
      );
    });

    it('runs the cross-field rules even when a sibling field has the wrong type', () => {
      const result = parseV1Request(
        withChannel({
          email: { to: 'ada@example.com', subject: 'S' },
          push: { tokens: 'token', title: 'T', body: 'b'.repeat(4096) },
        }),
        options,
      );
      expect(pathsOf(result)).toEqual([
        'channels.email.to',
        'channels.email',
        'channels.push.tokens',
        'channels.push',
      ]);
    });

    it('counts metadata keys even when a value has the wrong type', () => {
      const metadata = Object.fromEntries(
        Array.from({ length: 21 }, (_, i) => [`k${i}`, i === 0 ? 1 : 'v']),
      );
      const result = parseV1Request(withChannel({ sms }, { metadata }), options);
      expect(pathsOf(result)).toEqual(['metadata.k0', 'metadata']);
    });
  });

  describe('recipients', () => {
    it.each([
      ['email', { email: { ...email, to: [] } }, 'channels.email.to'],
      ['sms', { sms: { ...sms, to: [] } }, 'channels.sms.to'],
      ['whatsapp', { whatsapp: { ...sms, to: [] } }, 'channels.whatsapp.to'],
      ['push', { push: { ...push, tokens: [] } }, 'channels.push.tokens'],
    ])('requires at least one %s recipient', (_channel, channels, path) => {
      const result = parseV1Request(withChannel(channels), options);
      expect(errorsOf(result)).toEqual([{ path, message: 'must have at least one recipient' }]);
    });

    it('accepts the default 1000 recipients per channel and refuses 1001', () => {
      const numbers = (count: number) =>
        Array.from({ length: count }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
      expect(parseV1Request(withChannel({ sms: { ...sms, to: numbers(1000) } }), options).ok).toBe(
        true,
      );
      const result = parseV1Request(withChannel({ sms: { ...sms, to: numbers(1001) } }), options);
      expect(errorsOf(result)).toEqual([
        { path: 'channels.sms.to', message: 'at most 1000 recipients' },
      ]);
    });

    it('applies a configured limit to distinct recipients', () => {
      const limited = { ...options, maxRecipientsPerChannel: 2 };
      const duplicates = ['a@example.com', 'b@example.com', 'A@example.com'];
      expect(parseV1Request(withChannel({ email: { ...email, to: duplicates } }), limited).ok).toBe(
        true,
      );
      const three = [...duplicates, 'c@example.com'];
      const result = parseV1Request(withChannel({ email: { ...email, to: three } }), limited);
      expect(errorsOf(result)).toEqual([
        { path: 'channels.email.to', message: 'at most 2 recipients' },
      ]);
    });

    it('requires recipients to be an array of strings', () => {
      const result = parseV1Request(withChannel({ push: { ...push, tokens: 'token-1' } }), options);
      expect(pathsOf(result)).toEqual(['channels.push.tokens']);
      const items = parseV1Request(
        withChannel({ push: { ...push, tokens: ['ok', 7, ''] } }),
        options,
      );
      expect(pathsOf(items)).toEqual(['channels.push.tokens[1]', 'channels.push.tokens[2]']);
    });

    it('caps the length of a push token', () => {
      const result = parseV1Request(
        withChannel({ push: { ...push, tokens: ['t'.repeat(513)] } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.push.tokens[0]']);
    });

    it('caps a push token in bytes, so its suppression key fits DynamoDB (1,024 bytes)', () => {
      // 300 four-byte characters: under the 512-character cap, 1,200 bytes of key.
      const result = parseV1Request(
        withChannel({ push: { ...push, tokens: ['\u{1F514}'.repeat(150)] } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.push.tokens[0]']);
      expect(messageAt(result, 'channels.push.tokens[0]')).toBe(
        'must be at most 512 bytes (UTF-8)',
      );
      const fits = parseV1Request(
        withChannel({ push: { ...push, tokens: ['\u{1F514}'.repeat(128)] } }),
        options,
      );
      expect(fits.ok).toBe(true);
    });
  });

  describe('email', () => {
    it('names the invalid address by index', () => {
      const result = parseV1Request(
        withChannel({
          email: { ...email, to: ['a@example.com', 'b@example', 'c@example.com', 'x'] },
        }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.email.to[1]', 'channels.email.to[3]']);
      expect(messageAt(result, 'channels.email.to[1]')).toBe('must be an email address');
    });

    it('requires text or html', () => {
      const result = parseV1Request(
        withChannel({ email: { to: email.to, subject: 'S' } }),
        options,
      );
      expect(errorsOf(result)).toEqual([
        { path: 'channels.email', message: 'must have text or html' },
      ]);
    });

    it('requires a subject', () => {
      const result = parseV1Request(withChannel({ email: { to: email.to, text: 'x' } }), options);
      expect(errorsOf(result)).toEqual([
        { path: 'channels.email.subject', message: 'is required' },
      ]);
    });

    it.each(['line\r\nBcc: x@example.com', 'line\nbreak', 'line\rbreak'])(
      'refuses a line break in the subject (%j)',
      (subject) => {
        const result = parseV1Request(withChannel({ email: { ...email, subject } }), options);
        expect(errorsOf(result)).toEqual([
          { path: 'channels.email.subject', message: 'must not contain line breaks' },
        ]);
      },
    );

    it('allows a 998-character subject and refuses 999', () => {
      const at = (n: number) => withChannel({ email: { ...email, subject: 's'.repeat(n) } });
      expect(parseV1Request(at(998), options).ok).toBe(true);
      expect(pathsOf(parseV1Request(at(999), options))).toEqual(['channels.email.subject']);
    });

    it.each(['text', 'html'])('limits %s to 256 KB of UTF-8', (part) => {
      const at = (value: string) =>
        withChannel({ email: { to: email.to, subject: 'S', [part]: value } });
      expect(parseV1Request(at('a'.repeat(262_144)), options).ok).toBe(true);
      // 131,073 two-byte characters: within the limit in characters, over it in bytes.
      const result = parseV1Request(at('é'.repeat(131_073)), options);
      expect(errorsOf(result)).toEqual([
        { path: `channels.email.${part}`, message: 'must be at most 262144 bytes (UTF-8)' },
      ]);
    });

    it.each(['from', 'replyTo'])('checks the %s address', (field) => {
      const ok = parseV1Request(
        withChannel({ email: { ...email, [field]: 'a@example.com' } }),
        options,
      );
      expect(ok.ok).toBe(true);
      for (const bad of ['not an address', 'Name <nope>', 'Evil\r\n <a@example.com>']) {
        const result = parseV1Request(withChannel({ email: { ...email, [field]: bad } }), options);
        expect(pathsOf(result)).toEqual([`channels.email.${field}`]);
      }
    });
  });

  describe('sms and whatsapp', () => {
    it.each(['sms', 'whatsapp'])('requires E.164 numbers for %s', (channel) => {
      const to = [
        '+14155550123',
        '14155550123',
        '+04155550123',
        '+1415555012345678',
        '+1 415 555',
        '+1',
      ];
      const result = parseV1Request(withChannel({ [channel]: { to, text: 'x' } }), options);
      expect(pathsOf(result)).toEqual([1, 2, 3, 4, 5].map((i) => `channels.${channel}.to[${i}]`));
      expect(messageAt(result, `channels.${channel}.to[1]`)).toBe(
        'must be an E.164 phone number like +14155550123',
      );
    });

    it.each(['sms', 'whatsapp'])(
      'allows 1600 characters of %s text and refuses 1601',
      (channel) => {
        const at = (n: number) => withChannel({ [channel]: { ...sms, text: 'x'.repeat(n) } });
        expect(parseV1Request(at(1600), options).ok).toBe(true);
        expect(errorsOf(parseV1Request(at(1601), options))).toEqual([
          { path: `channels.${channel}.text`, message: 'must be at most 1600 characters' },
        ]);
      },
    );

    it('requires non-empty text', () => {
      const result = parseV1Request(withChannel({ sms: { ...sms, text: '' } }), options);
      expect(errorsOf(result)).toEqual([
        { path: 'channels.sms.text', message: 'must not be empty' },
      ]);
    });
  });

  describe('push', () => {
    it.each([
      'from',
      'notification',
      'message_type',
      'gcm.notification.x',
      'gcmKey',
      'google.c.a.e',
    ])('refuses the reserved data key %s', (key) => {
      const result = parseV1Request(
        withChannel({ push: { ...push, data: { fine: 'x', [key]: 'v' } } }),
        options,
      );
      const path = /^\w+$/.test(key) ? `channels.push.data.${key}` : `channels.push.data["${key}"]`;
      expect(errorsOf(result)).toEqual([{ path, message: 'key is reserved by FCM' }]);
    });

    it('allows keys that merely contain reserved words', () => {
      const data = { fromUser: 'a', google: 'b', my_message_type: 'c' };
      expect(parseV1Request(withChannel({ push: { ...push, data } }), options).ok).toBe(true);
    });

    it('requires string data values', () => {
      const result = parseV1Request(
        withChannel({ push: { ...push, data: { count: 3 } } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.push.data.count']);
    });

    it('allows a 4096-byte payload (title + body + data) and refuses one byte more', () => {
      // title 1 + body 1 + key 4 + value 4090 = 4096
      const at = (valueLength: number) =>
        withChannel({
          push: { ...push, title: 'T', body: 'B', data: { blob: 'v'.repeat(valueLength) } },
        });
      expect(parseV1Request(at(4090), options).ok).toBe(true);
      expect(errorsOf(parseV1Request(at(4091), options))).toEqual([
        {
          path: 'channels.push',
          message: 'title, body and data together must be at most 4096 bytes',
        },
      ]);
    });

    it('counts the payload in UTF-8 bytes', () => {
      const result = parseV1Request(
        withChannel({ push: { ...push, body: '€'.repeat(1400) } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.push']);
    });

    it('requires title and body', () => {
      const result = parseV1Request(withChannel({ push: { tokens: ['t'] } }), options);
      expect(pathsOf(result)).toEqual(['channels.push.title', 'channels.push.body']);
    });
  });

  describe('slack', () => {
    it('uses the channel as the single recipient', () => {
      const result = parseV1Request(withChannel({ slack }), options);
      expect(acceptedValue(result).channels.slack).toStrictEqual({
        channel: 'slack',
        recipients: ['C0123456'],
        content: { text: 'Deploy finished' },
      });
    });

    it('allows 40000 characters of text and refuses 40001', () => {
      const at = (n: number) => withChannel({ slack: { ...slack, text: 'x'.repeat(n) } });
      expect(parseV1Request(at(40_000), options).ok).toBe(true);
      expect(pathsOf(parseV1Request(at(40_001), options))).toEqual(['channels.slack.text']);
    });

    it('allows 50 blocks and refuses 51', () => {
      const at = (n: number) =>
        withChannel({
          slack: { ...slack, blocks: Array.from({ length: n }, () => ({ type: 'divider' })) },
        });
      expect(parseV1Request(at(50), options).ok).toBe(true);
      expect(errorsOf(parseV1Request(at(51), options))).toEqual([
        { path: 'channels.slack.blocks', message: 'must have at most 50 blocks' },
      ]);
    });

    it('requires each block to be an object', () => {
      const result = parseV1Request(
        withChannel({ slack: { ...slack, blocks: [{}, 'text', null] } }),
        options,
      );
      expect(pathsOf(result)).toEqual(['channels.slack.blocks[1]', 'channels.slack.blocks[2]']);
    });

    it('requires a channel without spaces', () => {
      expect(pathsOf(parseV1Request(withChannel({ slack: { text: 'x' } }), options))).toEqual([
        'channels.slack.channel',
      ]);
      const spaced = parseV1Request(
        withChannel({ slack: { ...slack, channel: 'my channel' } }),
        options,
      );
      expect(pathsOf(spaced)).toEqual(['channels.slack.channel']);
    });
  });

  describe('mqtt', () => {
    const topicErrors = (topic: unknown, opts: ValidationOptions = options) =>
      errorsOf(parseV1Request(withChannel({ mqtt: { ...mqtt, topic } }), opts));

    it.each(['a/+/b', 'a/#', '#', '+'])('refuses the wildcard topic %s', (topic) => {
      expect(topicErrors(topic)).toEqual([
        { path: 'channels.mqtt.topic', message: 'must not contain MQTT wildcards + or #' },
      ]);
    });

    it('refuses a topic starting with $ (reserved)', () => {
      expect(topicErrors('$aws/things/x')).toEqual([
        { path: 'channels.mqtt.topic', message: 'must not start with $ (reserved for the broker)' },
      ]);
    });

    it('refuses an empty topic', () => {
      expect(topicErrors('')).toEqual([
        { path: 'channels.mqtt.topic', message: 'must not be empty' },
      ]);
    });

    it('allows 256 bytes of topic and refuses 257, counted in UTF-8', () => {
      const ok = parseV1Request(
        withChannel({ mqtt: { ...mqtt, topic: 'é'.repeat(128) } }),
        options,
      );
      expect(ok.ok).toBe(true);
      expect(topicErrors(`${'é'.repeat(128)}a`)).toEqual([
        { path: 'channels.mqtt.topic', message: 'must be at most 256 bytes (UTF-8)' },
      ]);
    });

    it('refuses more than 7 slashes (AWS IoT limit)', () => {
      expect(
        parseV1Request(withChannel({ mqtt: { ...mqtt, topic: 'a/b/c/d/e/f/g/h' } }), options).ok,
      ).toBe(true);
      expect(topicErrors('a/b/c/d/e/f/g/h/i').map((e) => e.path)).toEqual(['channels.mqtt.topic']);
    });

    describe("the tenant's namespace, <mqttTopicPrefix><tenantId>/", () => {
      const acme = { ...options, mqttTopicPrefix: 'herald/', tenantId: 'acme' };
      const topicOf = (topic: string, opts: ValidationOptions = acme) => {
        const result = parseV1Request(withChannel({ mqtt: { ...mqtt, topic } }), opts);
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        return result.value.channels.mqtt?.recipients;
      };

      it.each([
        ['devices/1', 'herald/acme/devices/1'],
        // Always relative: a topic naming the prefix, or another tenant, stays in acme's.
        ['herald/devices/1', 'herald/acme/herald/devices/1'],
        ['herald/other/devices/1', 'herald/acme/herald/other/devices/1'],
        ['Mqtt Notification Service:2', 'herald/acme/Mqtt Notification Service:2'],
        ['$aws/x', 'herald/acme/$aws/x'],
      ])('publishes %j to %j', (topic, whole) => {
        expect(topicOf(topic)).toEqual([whole]);
      });

      it('is the prefix alone for a caller without a tenant (in-process)', () => {
        expect(topicOf('devices/1', { ...options, mqttTopicPrefix: 'herald/' })).toEqual([
          'herald/devices/1',
        ]);
        expect(topicOf('devices/1', { ...options, tenantId: 'acme' })).toEqual(['acme/devices/1']);
      });

      it('counts the namespace against the 256 bytes and 7 slashes, naming it', () => {
        // herald/acme/ is 12 bytes and 2 slashes.
        expect(topicOf('x'.repeat(244))).toEqual([`herald/acme/${'x'.repeat(244)}`]);
        expect(topicErrors('x'.repeat(245), acme)).toEqual([
          {
            path: 'channels.mqtt.topic',
            message: 'must be at most 244 bytes (UTF-8) in your namespace "herald/acme/"',
          },
        ]);
        expect(topicOf('a/b/c/d/e/f')).toEqual(['herald/acme/a/b/c/d/e/f']);
        expect(topicErrors('a/b/c/d/e/f/g', acme)).toEqual([
          {
            path: 'channels.mqtt.topic',
            message: 'must have at most 5 slashes in your namespace "herald/acme/" (AWS IoT limit)',
          },
        ]);
      });

      it.each([['a/b'], ['a+b'], ['#'], ['']])(
        'refuses a tenant id %j, which names no namespace of its own',
        (tenantId) => {
          const [error] = topicErrors('devices/1', { ...acme, tenantId });
          expect(error?.path).toBe('channels.mqtt.topic');
          expect(error?.message).toMatch(/tenant id .* no MQTT namespace of its own/);
        },
      );
    });

    it('allows a 131072-byte payload and refuses one byte more', () => {
      const at = (payload: unknown) => withChannel({ mqtt: { ...mqtt, payload } });
      expect(parseV1Request(at('p'.repeat(131_072)), options).ok).toBe(true);
      expect(errorsOf(parseV1Request(at('p'.repeat(131_073)), options))).toEqual([
        {
          path: 'channels.mqtt.payload',
          message: 'must be at most 131072 bytes (UTF-8) once serialized',
        },
      ]);
    });

    it('measures an object payload once serialized', () => {
      // {"k":"…"} adds 8 bytes around the value.
      const at = (n: number) => withChannel({ mqtt: { ...mqtt, payload: { k: 'v'.repeat(n) } } });
      expect(parseV1Request(at(131_064), options).ok).toBe(true);
      expect(pathsOf(parseV1Request(at(131_065), options))).toEqual(['channels.mqtt.payload']);
    });

    it.each([[42], [null], [true], [['a', 'b']]])('refuses the payload %j', (payload) => {
      const result = parseV1Request(withChannel({ mqtt: { ...mqtt, payload } }), options);
      expect(errorsOf(result)).toEqual([
        { path: 'channels.mqtt.payload', message: 'must be a string or a JSON object' },
      ]);
    });

    it.each([2, '1', 0.5])('refuses qos %j', (qos) => {
      const result = parseV1Request(withChannel({ mqtt: { ...mqtt, qos } }), options);
      expect(errorsOf(result)).toEqual([{ path: 'channels.mqtt.qos', message: 'must be 0 or 1' }]);
    });
  });

  describe('priority and metadata', () => {
    it('refuses an unknown priority', () => {
      const result = parseV1Request(withChannel({ sms }, { priority: 'urgent' }), options);
      expect(errorsOf(result)).toEqual([
        { path: 'priority', message: 'must be one of high, normal' },
      ]);
    });

    it('allows 20 metadata keys and refuses 21', () => {
      const metadata = (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
      expect(parseV1Request(withChannel({ sms }, { metadata: metadata(20) }), options).ok).toBe(
        true,
      );
      expect(
        errorsOf(parseV1Request(withChannel({ sms }, { metadata: metadata(21) }), options)),
      ).toEqual([{ path: 'metadata', message: 'must have at most 20 keys' }]);
    });

    it('requires small string values and keys', () => {
      const result = parseV1Request(
        withChannel({ sms }, { metadata: { n: 1, long: 'v'.repeat(257), ['k'.repeat(65)]: 'v' } }),
        options,
      );
      expect(pathsOf(result).sort()).toEqual([
        `metadata.${'k'.repeat(65)}`,
        'metadata.long',
        'metadata.n',
      ]);
    });

    it('refuses metadata that is not an object', () => {
      expect(pathsOf(parseV1Request(withChannel({ sms }, { metadata: ['a'] }), options))).toEqual([
        'metadata',
      ]);
    });
  });

  describe('sendAt', () => {
    const at = (sendAt: unknown, opts: ValidationOptions = options) =>
      parseV1Request(withChannel({ sms }, { sendAt }), opts);

    it('converts an ISO-8601 time with Z or an offset to epoch ms', () => {
      expect(acceptedValue(at('2030-03-01T12:00:00Z')).sendAt).toBe(
        Date.parse('2030-03-01T12:00:00Z'),
      );
      expect(acceptedValue(at('2030-03-01T12:00:00.250-05:00')).sendAt).toBe(
        Date.parse('2030-03-01T17:00:00.250Z'),
      );
    });

    it('refuses a time without an offset', () => {
      expect(errorsOf(at('2030-03-01T12:00:00'))).toEqual([
        {
          path: 'sendAt',
          message: 'must include a time-zone offset or Z, like 2030-01-01T09:00:00Z',
        },
      ]);
    });

    it.each(['tomorrow', '2030-03-01', '2030-02-30T10:00:00Z', '', '1893456000000'])(
      'refuses %j',
      (sendAt) => {
        expect(pathsOf(at(sendAt))).toEqual(['sendAt']);
      },
    );

    it('refuses a number', () => {
      expect(errorsOf(at(NOW + DAY))).toEqual([{ path: 'sendAt', message: 'must be a string' }]);
    });

    it('accepts up to 5 minutes in the past (clock skew) and refuses more', () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      expect(acceptedValue(at(iso(NOW - 5 * MINUTE))).sendAt).toBe(NOW - 5 * MINUTE);
      expect(errorsOf(at(iso(NOW - 5 * MINUTE - 1000)))).toEqual([
        { path: 'sendAt', message: 'must not be more than 5 minutes in the past' },
      ]);
    });

    it('accepts up to 365 days ahead by default and refuses more', () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      expect(at(iso(NOW + 365 * DAY)).ok).toBe(true);
      expect(errorsOf(at(iso(NOW + 365 * DAY + 1000)))).toEqual([
        { path: 'sendAt', message: 'must not be more than 365 days in the future' },
      ]);
    });

    it('honours maxScheduleAheadMs', () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      const opts = { ...options, maxScheduleAheadMs: 7 * DAY };
      expect(at(iso(NOW + 7 * DAY), opts).ok).toBe(true);
      expect(pathsOf(at(iso(NOW + 8 * DAY), opts))).toEqual(['sendAt']);
    });
  });

  describe('never throws', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { nested: deep };

    it.each([
      ['a cyclic mqtt payload', withChannel({ mqtt: { ...mqtt, payload: cyclic } })],
      ['a BigInt mqtt payload', withChannel({ mqtt: { ...mqtt, payload: { n: 1n } } })],
      ['a deeply nested payload', withChannel({ mqtt: { ...mqtt, payload: deep } })],
      ['deeply nested metadata', withChannel({ sms }, { metadata: deep })],
      ['channels as an array', { channels: [sms] }],
      ['a symbol', Symbol('x')],
      ['a function', () => 1],
      ['an object with a __proto__ key', JSON.parse('{"__proto__":{"channels":1},"channels":{}}')],
      ['NaN qos', withChannel({ mqtt: { ...mqtt, qos: Number.NaN } })],
    ])('returns field errors for %s', (_label, body) => {
      const result = parseV1Request(body, options);
      expect(result.ok).toBe(false);
      // A client-facing 400: at least one error, each with a field path and a message.
      const errors = result.ok ? [] : result.errors;
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toEqual({ path: expect.any(String), message: expect.stringMatching(/\S/) });
      }
    });
  });
});

describe('parseV1Request › email from and the sender domain', () => {
  const withDomain = {
    maxRecipientsPerChannel: 1000,
    enabledChannels: ['email'] as const,
    now: Date.parse('2026-11-22T00:00:00Z'),
    senderDomain: 'example.com',
  };
  const email = (from: string) => ({
    channels: { email: { to: ['a@example.org'], subject: 's', text: 't', from } },
  });

  it('accepts a from at the sender domain, bare or with a display name', () => {
    expect(parseV1Request(email('billing@example.com'), withDomain).ok).toBe(true);
    expect(parseV1Request(email('Billing <billing@Example.com>'), withDomain).ok).toBe(true);
  });

  it('rejects a from at another domain at its path', () => {
    const result = parseV1Request(email('ceo@evil.test'), withDomain);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['channels.email.from']);
  });
});
