import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from '../shared/vocabulary';

/*
 * The token of a one-click unsubscribe link (RFC 8058) and of the preference page: who (tenant,
 * recipient), which address (masked for display, plus a hash that binds it), which category and
 * channel, until when; signed with HMAC-SHA-256 under a key from Secrets Manager. Nothing in it
 * is secret but the signature: the link is a capability for that one recipient's preferences.
 */

export interface UnsubscribeClaims {
  tenantId: string;
  recipientId: string;
  /** Masked, for the page: `a***@example.com`. */
  maskedAddress: string;
  /** SHA-256 of the normalized address, 16 hex digits: binds the link to the address it went to. */
  addressHash: string;
  category: string;
  channel: Channel;
  /** Epoch seconds after which the link is refused. */
  expiresAt: number;
}

/** How long a link works: long after the mail is read (Gmail and Yahoo expect it to keep working). */
export const UNSUBSCRIBE_LINK_DAYS = 60;

export type TokenProblem = 'malformed' | 'bad_signature' | 'expired';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const mac = (key: string, payload: string) =>
  createHmac('sha256', key).update(payload).digest('base64url');

export function addressHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 16);
}

export function signUnsubscribeToken(claims: UnsubscribeClaims, key: string): string {
  const payload = b64(
    JSON.stringify({
      v: 1,
      t: claims.tenantId,
      r: claims.recipientId,
      m: claims.maskedAddress,
      h: claims.addressHash,
      c: claims.category,
      ch: claims.channel,
      e: claims.expiresAt,
    }),
  );
  return `${payload}.${mac(key, payload)}`;
}

/** The claims of a token signed with `key` (or a previous key) and not expired, or why not. */
export function verifyUnsubscribeToken(
  token: string,
  keys: readonly string[],
  nowSeconds: number,
): { ok: true; claims: UnsubscribeClaims } | { ok: false; problem: TokenProblem } {
  const dot = token.indexOf('.');
  if (dot < 1 || token.length > 2_000) return { ok: false, problem: 'malformed' };
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const valid = keys.some((key) => {
    const expected = Buffer.from(mac(key, payload), 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, problem: 'bad_signature' };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const strings = ['t', 'r', 'm', 'h', 'c', 'ch'].every((k) => typeof raw[k] === 'string');
  if (raw.v !== 1 || !strings || typeof raw.e !== 'number') {
    return { ok: false, problem: 'malformed' };
  }
  if (raw.e < nowSeconds) return { ok: false, problem: 'expired' };
  return {
    ok: true,
    claims: {
      tenantId: raw.t as string,
      recipientId: raw.r as string,
      maskedAddress: raw.m as string,
      addressHash: raw.h as string,
      category: raw.c as string,
      channel: raw.ch as Channel,
      expiresAt: raw.e,
    },
  };
}
