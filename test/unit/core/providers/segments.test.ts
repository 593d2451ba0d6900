import { describe, expect, it } from 'vitest';
import { smsSegments } from '../../../../functions/core/providers/segments';
import { phoneSenderKind, senderFor, unitsOf } from '../../../../functions/core/providers/senders';

describe('smsSegments', () => {
  it('counts GSM-7 as 160 in one segment and 153 per part after', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2 });
    expect(smsSegments('a'.repeat(306))).toEqual({ encoding: 'GSM-7', segments: 2 });
    expect(smsSegments('a'.repeat(307))).toEqual({ encoding: 'GSM-7', segments: 3 });
  });

  it('counts extension characters (€ [ ] { }) as two septets, never split across parts', () => {
    expect(smsSegments('€'.repeat(80)).segments).toBe(1);
    expect(smsSegments('€'.repeat(81)).segments).toBe(2);
    // 152 septets of text, then a two-septet € that does not fit the first part's 153.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(10)}`).segments).toBe(2);
  });

  it('sends anything outside GSM-7 as UCS-2: 70, then 67 per part, emoji kept whole', () => {
    expect(smsSegments('ж'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1 });
    expect(smsSegments('ж'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2 });
    // One emoji turns a short GSM text into UCS-2; 33 emoji are 66 code units: one segment.
    expect(smsSegments('Hello 👋').encoding).toBe('UCS-2');
    expect(smsSegments('👋'.repeat(35)).segments).toBe(1);
    // 66 units + a surrogate pair would split at 67: the pair moves to the next part.
    expect(smsSegments(`${'ж'.repeat(66)}👋${'ж'.repeat(10)}`).segments).toBe(2);
  });
});

describe('senders', () => {
  it('knows a number’s kind by its form', () => {
    expect(phoneSenderKind('+14155550100')).toBe('long-code');
    expect(phoneSenderKind('+18885550100')).toBe('toll-free');
    expect(phoneSenderKind('12345')).toBe('short-code');
    expect(phoneSenderKind(`MG${'a'.repeat(32)}`)).toBe('messaging-service');
  });

  it('keeps a recipient on one number of a pool and spreads recipients over all of them', () => {
    const pool = {
      owner: 'stack',
      kind: 'long-code' as const,
      ids: ['+1', '+2', '+3', '+4', '+5'],
    };
    const one = senderFor(pool, 'sms', '+14155550123');
    expect(senderFor(pool, 'sms', '+14155550123')).toEqual(one);
    expect(one.ratePerSecond).toBe(1);
    const used = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const s = senderFor(pool, 'sms', `+1415555${String(i).padStart(4, '0')}`);
      used.set(s.id, (used.get(s.id) ?? 0) + 1);
    }
    expect(used.size).toBe(5);
    for (const count of used.values()) expect(count).toBeGreaterThan(150);
  });

  it('makes each Slack channel its own sender, at about 1 message/s', () => {
    const pool = { owner: 'stack', kind: 'slack-channel' as const, ids: [] };
    const s = senderFor(pool, 'slack', '#ops');
    expect(s).toMatchObject({ key: 'stack:slack:#ops', ratePerSecond: 1 });
    expect(senderFor(pool, 'slack', '#eng').key).not.toBe(s.key);
  });

  it('counts SMS in segments and every other channel in messages', () => {
    expect(unitsOf({ channel: 'sms', content: { text: 'ж'.repeat(100) } })).toBe(2);
    expect(unitsOf({ channel: 'whatsapp', content: { text: 'ж'.repeat(100) } })).toBe(1);
  });
});
