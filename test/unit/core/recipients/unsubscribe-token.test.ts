import { describe, expect, it } from 'vitest';
import {
  signUnsubscribeToken,
  type UnsubscribeClaims,
  verifyUnsubscribeToken,
} from '../../../../functions/core/recipients/unsubscribe-token';

const KEY = 'k'.repeat(64);
const NOW = 1_800_000_000;
const claims: UnsubscribeClaims = {
  tenantId: 'acme',
  recipientId: 'user-1',
  maskedAddress: 'a***@example.com',
  addressHash: '0123456789abcdef',
  category: 'news',
  channel: 'email',
  expiresAt: NOW + 60,
};

describe('unsubscribe tokens', () => {
  it('verifies what it signed, under the key or the previous key', () => {
    const token = signUnsubscribeToken(claims, KEY);
    expect(verifyUnsubscribeToken(token, [KEY], NOW)).toEqual({ ok: true, claims });
    expect(verifyUnsubscribeToken(token, ['n'.repeat(64), KEY], NOW).ok).toBe(true);
  });

  it('refuses an altered payload, another key, an expired token, garbage', () => {
    const token = signUnsubscribeToken(claims, KEY);
    const [, signature] = token.split('.');
    const other = signUnsubscribeToken({ ...claims, recipientId: 'user-2' }, KEY).split('.')[0];
    expect(verifyUnsubscribeToken(`${other}.${signature}`, [KEY], NOW)).toEqual({
      ok: false,
      problem: 'bad_signature',
    });
    expect(verifyUnsubscribeToken(token, ['x'.repeat(64)], NOW).ok).toBe(false);
    expect(verifyUnsubscribeToken(token, [KEY], NOW + 61)).toEqual({
      ok: false,
      problem: 'expired',
    });
    expect(verifyUnsubscribeToken('nodot', [KEY], NOW)).toEqual({
      ok: false,
      problem: 'malformed',
    });
  });
});
