import { createHash } from 'node:crypto';
import type { Channel, OutboundMessage } from '../notifications/model';
import { smsSegments } from './segments';

/**
 * What a provider counts its limit per: a phone number by its kind, a Twilio messaging service,
 * a WhatsApp sender, a Slack channel (per bot), an SES account, an FCM project.
 */
export type SenderKind =
  | 'long-code'
  | 'toll-free'
  | 'short-code'
  | 'messaging-service'
  | 'whatsapp'
  | 'slack-channel'
  | 'ses-account'
  | 'fcm-project';

/**
 * Published limits, in the provider's unit per second (checked 2026-12): Twilio US long code
 * 1 segment/s, toll-free 3/s, short code 100/s; WhatsApp 10 messages/s (Twilio's default);
 * Slack chat.postMessage about 1 message/s per channel; SES per account (sandbox 1/s, production
 * 14/s by default, raised on request); FCM HTTP v1 600,000 messages/min per project.
 * A messaging service sends at the sum of its numbers, which Herald cannot see: 1/s (one long
 * code) unless its configuration says more.
 */
export const PUBLISHED_RATES: Readonly<Record<SenderKind, number>> = {
  'long-code': 1,
  'toll-free': 3,
  'short-code': 100,
  'messaging-service': 1,
  whatsapp: 10,
  'slack-channel': 1,
  'ses-account': 14,
  'fcm-project': 10_000,
};

/** The highest rate a configuration may ask for, per kind (a raised SES or WhatsApp limit). */
export const MAX_RATES: Readonly<Record<SenderKind, number>> = {
  'long-code': 1,
  'toll-free': 150,
  'short-code': 500,
  'messaging-service': 5_000,
  whatsapp: 1_000,
  'slack-channel': 1,
  'ses-account': 5_000,
  'fcm-project': 10_000,
};

/** The unit a sender's rate counts. */
export const RATE_UNIT: Readonly<Record<SenderKind, 'segment' | 'message'>> = {
  'long-code': 'segment',
  'toll-free': 'segment',
  'short-code': 'segment',
  'messaging-service': 'segment',
  whatsapp: 'message',
  'slack-channel': 'message',
  'ses-account': 'message',
  'fcm-project': 'message',
};

/** US/Canada toll-free area codes (NANP). */
const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

/** The kind of a Twilio SMS sender, from its form. */
export function phoneSenderKind(sender: string): SenderKind {
  if (/^MG[0-9a-f]{32}$/i.test(sender)) return 'messaging-service';
  if (/^\d{5,6}$/.test(sender)) return 'short-code';
  if (TOLL_FREE.test(sender)) return 'toll-free';
  return 'long-code';
}

/** One sender identity and its rate, as the rate gate and the provider see it. */
export interface Sender {
  /** Stable, secret-free key: provider account (or `stack`) + the identity. */
  key: string;
  kind: SenderKind;
  /** The identity the provider sends from: a number, MG sid, Slack channel, SES identity... */
  id: string;
  /** Units per second this sender accepts. */
  ratePerSecond: number;
}

/** The senders a channel's provider may use, and the account they belong to. */
export interface SenderPool {
  /** `stack` or `<tenant>/<provider name>`: part of every sender key. */
  owner: string;
  kind: SenderKind;
  /** Ordered; a recipient sticks to one of them (the same number texts the same person). */
  ids: readonly string[];
  /** Overrides the published rate (per sender). */
  ratePerSecond?: number;
}

/** A short, stable fingerprint (never the value): e.g. which Slack bot a channel key belongs to. */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 12);
}

/**
 * The sender of one delivery: a Slack channel is its own sender (per bot); a phone pool's sender
 * is picked by the recipient (sticky: hash of the number), so a pool of N numbers shares a burst
 * about evenly and a person keeps hearing from one number.
 */
export function senderFor(pool: SenderPool, channel: Channel, recipient: string): Sender {
  const rate = pool.ratePerSecond ?? PUBLISHED_RATES[pool.kind];
  if (channel === 'slack') {
    return {
      key: `${pool.owner}:slack:${recipient}`,
      kind: 'slack-channel',
      id: recipient,
      ratePerSecond: rate,
    };
  }
  const ids = pool.ids.length > 0 ? pool.ids : ['default'];
  const index = createHash('sha256').update(recipient).digest().readUInt32BE(0) % ids.length;
  const id = ids[index] as string;
  const kind = channel === 'sms' ? phoneSenderKind(id) : pool.kind;
  const ratePerSecond = pool.ratePerSecond ?? PUBLISHED_RATES[kind];
  return { key: `${pool.owner}:${channel}:${id}`, kind, id, ratePerSecond };
}

/** What one delivery costs in its sender's unit: SMS segments, else one message. */
export function unitsOf(message: Pick<OutboundMessage, 'channel' | 'content'>): number {
  if (message.channel !== 'sms') return 1;
  const text = (message.content as { text?: string }).text ?? '';
  return smsSegments(text).segments;
}
