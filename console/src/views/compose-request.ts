import { CHANNELS, type Channel, type FieldError } from '../api';
import { localToIso } from './notifications';

/** The compose form's fields and the request built from them (compose.tsx draws the form). */

export type Values = Record<string, string>;

/** The form's fields by request path; a 4xx error's path is matched to the longest prefix. */
export const CHANNEL_FIELDS: Record<
  Channel,
  Array<{ name: string; label: string; multiline?: true }>
> = {
  email: [
    { name: 'to', label: 'To (comma separated)' },
    { name: 'subject', label: 'Subject' },
    { name: 'text', label: 'Text', multiline: true },
    { name: 'html', label: 'HTML', multiline: true },
    { name: 'from', label: 'From (optional)' },
    { name: 'replyTo', label: 'Reply-To (optional)' },
  ],
  sms: [
    { name: 'to', label: 'To (E.164, comma separated)' },
    { name: 'text', label: 'Text', multiline: true },
  ],
  whatsapp: [
    { name: 'to', label: 'To (E.164, comma separated)' },
    { name: 'text', label: 'Text (or a template below)', multiline: true },
    { name: 'template.contentSid', label: 'Template content SID' },
    { name: 'template.variables', label: 'Template variables (JSON object)' },
  ],
  push: [
    { name: 'tokens', label: 'Device tokens (comma separated)' },
    { name: 'title', label: 'Title' },
    { name: 'body', label: 'Body', multiline: true },
    { name: 'data', label: 'Data (JSON object of strings)' },
  ],
  slack: [
    { name: 'channel', label: 'Slack channel' },
    { name: 'text', label: 'Text', multiline: true },
  ],
  mqtt: [
    { name: 'topic', label: 'Topic' },
    { name: 'payload', label: 'Payload (JSON or text)', multiline: true },
    { name: 'qos', label: 'QoS (0 or 1)' },
  ],
};
export const LIST_FIELDS = new Set(['to', 'tokens']);
export const JSON_FIELDS = new Set(['data', 'template.variables']);

export const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** `channels.email.to[2]` -> the field `channels.email.to`, or undefined when no field matches. */
export function fieldFor(path: string, fields: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const field of fields) {
    const boundary = path.charAt(field.length);
    if (path.startsWith(field) && (boundary === '' || boundary === '.' || boundary === '[')) {
      if (!best || field.length > best.length) best = field;
    }
  }
  return best;
}

export interface Built {
  body?: Record<string, unknown>;
  errors: FieldError[];
}

export function buildRequest(enabled: Set<Channel>, values: Values): Built {
  const errors: FieldError[] = [];
  const channels: Record<string, Record<string, unknown>> = {};
  for (const channel of CHANNELS) {
    if (!enabled.has(channel)) continue;
    const block: Record<string, unknown> = {};
    for (const { name } of CHANNEL_FIELDS[channel]) {
      const path = `channels.${channel}.${name}`;
      const raw = (values[path] ?? '').trim();
      if (raw === '') continue;
      let value: unknown = raw;
      if (LIST_FIELDS.has(name)) value = raw.split(/[\s,]+/).filter(Boolean);
      else if (JSON_FIELDS.has(name)) {
        try {
          value = JSON.parse(raw);
        } catch {
          errors.push({ path, message: 'must be valid JSON' });
          continue;
        }
      } else if (channel === 'mqtt' && name === 'payload') {
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw;
        }
      } else if (channel === 'mqtt' && name === 'qos') value = Number(raw);
      const [head, tail] = name.split('.');
      if (head && tail) block[head] = { ...(block[head] as object), [tail]: value };
      else block[name] = value;
    }
    channels[channel] = block;
  }
  const body: Record<string, unknown> = { channels };
  const sendAt = values.sendAt ?? '';
  if (sendAt) {
    const iso = localToIso(sendAt);
    if (iso) body.sendAt = iso;
    else errors.push({ path: 'sendAt', message: 'is not a date and time' });
  }
  body.priority = values.priority || 'normal';
  const metadata: Record<string, string> = {};
  for (const line of (values.metadata ?? '').split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) {
      errors.push({ path: 'metadata', message: `"${line.trim()}" is not key=value` });
      continue;
    }
    metadata[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  if (Object.keys(metadata).length > 0) body.metadata = metadata;
  return errors.length > 0 ? { errors } : { body, errors };
}
