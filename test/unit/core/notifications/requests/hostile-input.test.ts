import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  parseDispatchRequest,
  parseV1Request,
  type ValidationOptions,
} from '../../../../../functions/core/notifications/requests';

// Inputs that used to get a 5xx (marshaller, stack overflow) or a 202 for something SQS or the
// provider can never take. Each must be a 400 naming the field.

const options: ValidationOptions = {
  maxRecipientsPerChannel: 1000,
  enabledChannels: ['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'],
  now: Date.parse('2026-11-22T00:00:00Z'),
};
const sms = { to: ['+14155550100'], text: 'hi' };
const push = { tokens: ['token-1'], title: 't', body: 'b' };
const slack = { channel: '#ops', text: 't' };
const mqtt = { topic: 'herald/devices/1', payload: 'on' };

function errorsOf(body: unknown, parse = parseV1Request) {
  const result = parse(body, options);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('validation › keys every JavaScript object has', () => {
  const reserved = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'];

  it.each(reserved)('rejects %s as a metadata key, at its path', (key) => {
    const body = JSON.parse(
      `{"channels":{"sms":${JSON.stringify(sms)}},"metadata":{"${key}":"x"}}`,
    );
    expect(errorsOf(body)).toEqual([{ path: `metadata.${key}`, message: expect.any(String) }]);
  });

  it.each(reserved)('rejects %s as a push data key', (key) => {
    const body = JSON.parse(
      `{"channels":{"push":${JSON.stringify({ ...push, data: { ok: '1' } }).replace('"ok"', `"${key}"`)}}}`,
    );
    expect(errorsOf(body)).toEqual([
      { path: `channels.push.data.${key}`, message: expect.any(String) },
    ]);
  });

  it.each(reserved)('rejects %s anywhere inside Slack blocks', (key) => {
    const block = `{"type":"section","text":{"type":"mrkdwn","text":"x","${key}":{"a":1}}}`;
    const body = JSON.parse(
      `{"channels":{"slack":{"channel":"#ops","text":"t","blocks":[${block}]}}}`,
    );
    expect(errorsOf(body)).toEqual([
      { path: `channels.slack.blocks[0].text.${key}`, message: expect.any(String) },
    ]);
  });

  it('still accepts keys that merely contain such names', () => {
    const body = {
      channels: { sms, slack: { ...slack, blocks: [{ type: 'section', myConstructor: 'x' }] } },
      metadata: { constructorName: 'x', to_string: 'y' },
    };
    expect(parseV1Request(body, options).ok).toBe(true);
  });

  it('accepts them inside an MQTT payload object, which travels as a JSON string', () => {
    const body = { channels: { mqtt: { ...mqtt, payload: { constructor: 'x', toString: 1 } } } };
    expect(parseV1Request(body, options).ok).toBe(true);
  });
});

describe('validation › nesting', () => {
  const nested = (levels: number, leaf: unknown = { type: 'x' }) => {
    let value = leaf;
    for (let i = 0; i < levels; i++) value = { e: value };
    return value;
  };

  it.each([5_000, 200_000])('answers %i-level Slack blocks with a field error', (levels) => {
    const errors = errorsOf({ channels: { slack: { ...slack, blocks: [nested(levels)] } } });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toMatch(/^channels\.slack\.blocks\[0\](\.e)+$/);
    expect(errors[0]?.message).toBe(`must not be nested more than ${MAX_JSON_DEPTH} levels deep`);
  });

  it('keeps the Slack limit of 16 levels at the blocks field', () => {
    const errors = errorsOf({ channels: { slack: { ...slack, blocks: [nested(20)] } } });
    expect(errors).toEqual([
      { path: 'channels.slack.blocks', message: expect.stringContaining('16 levels') },
    ]);
  });

  it('bounds nesting in the dispatch shape too', () => {
    const errors = errorsOf({ type: 'SMS', smsChannel: nested(10_000) }, parseDispatchRequest);
    expect(errors[0]?.message).toMatch(/nested more than/);
  });
});

describe('validation › characters SQS or UTF-8 cannot carry', () => {
  it.each([
    [
      'U+FFFF in a push token',
      { push: { ...push, tokens: ['tok\uFFFF'] } },
      'channels.push.tokens[0]',
      'U+FFFF',
    ],
    [
      'U+FFFE in a Slack channel',
      { slack: { ...slack, channel: '#a\uFFFE' } },
      'channels.slack.channel',
      'U+FFFE',
    ],
    [
      'U+FFFF in an MQTT topic',
      { mqtt: { ...mqtt, topic: 'herald/\uFFFF' } },
      'channels.mqtt.topic',
      'U+FFFF',
    ],
    [
      'a control character in an MQTT topic',
      { mqtt: { ...mqtt, topic: 'herald/\u0001' } },
      'channels.mqtt.topic',
      'U+0001',
    ],
    [
      'U+FFFF in an email address',
      { email: { to: ['a\uFFFF@example.com'], subject: 's', text: 't' } },
      'channels.email.to[0]',
      '',
    ],
  ])('rejects %s at its path', (_label, channels, path, character) => {
    const errors = errorsOf({ channels });
    expect(errors).toEqual([{ path, message: expect.stringContaining(character) }]);
  });

  it('accepts characters SQS takes: astral emoji, tabs, the last BMP character before U+FFFE', () => {
    const body = { channels: { mqtt: { ...mqtt, topic: 'herald/\u{1F600}\uFFFD' } } };
    expect(parseV1Request(body, options).ok).toBe(true);
  });

  it.each([
    ['an MQTT topic', { mqtt: { ...mqtt, topic: 'herald/\uD800' } }, 'channels.mqtt.topic'],
    ['an SMS text', { sms: { ...sms, text: 'hi \uDC00' } }, 'channels.sms.text'],
    [
      'an MQTT payload string',
      { mqtt: { ...mqtt, payload: { a: '\uD83D' } } },
      'channels.mqtt.payload.a',
    ],
  ])('rejects a lone surrogate in %s', (_label, channels, path) => {
    expect(errorsOf({ channels })).toEqual([
      { path, message: expect.stringContaining('lone surrogate') },
    ]);
  });

  it('rejects a lone surrogate in a key, and in the dispatch shape', () => {
    const inKey = errorsOf({ channels: { sms }, metadata: { 'k\uD800': 'v' } });
    expect(inKey[0]?.message).toMatch(/^key .*lone surrogate/);
    const dispatch = errorsOf(
      { type: 'SMS', message: 'x', smsChannel: { recipients: ['+14155550100'], text: '\uDFFF' } },
      parseDispatchRequest,
    );
    expect(dispatch).toEqual([
      { path: 'smsChannel.text', message: expect.stringContaining('lone surrogate') },
    ]);
  });
});
