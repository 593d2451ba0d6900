import { describe, expect, it } from 'vitest';
import {
  buildProfile,
  inputOf,
  mergePatch,
  writeProfile,
} from '../../../../functions/core/recipients/manage';
import type { RecipientProfile } from '../../../../functions/core/recipients/model';
import type { RecipientStore } from '../../../../functions/core/recipients/ports';
import { requirePatch, requireProfile } from '../../../../functions/core/recipients/validation';
import { ConflictError, InvalidRequestError } from '../../../../functions/core/shared/errors';

const T0 = '2026-12-01T00:00:00.000Z';
const T1 = '2026-12-02T00:00:00.000Z';

function bouncedProfile(): RecipientProfile {
  const profile = buildProfile(
    't',
    'u1',
    { emails: ['a@x.example', 'b@x.example'] },
    undefined,
    T0,
  );
  const first = profile.emails[0];
  if (first) Object.assign(first, { status: 'bounced', since: T0, source: 'ses:Bounce' });
  return profile;
}

/** A store that keeps one profile and can be told to lose the next `races` writes. */
function memoryStore(races = 0): RecipientStore & { saved?: RecipientProfile } {
  const store: RecipientStore & { saved?: RecipientProfile } = {
    get: async () => store.saved,
    batchGet: async () => new Map(),
    put: async (profile, previous) => {
      if (races-- > 0) return false;
      if ((store.saved?.version ?? 0) !== (previous?.version ?? 0)) return false;
      store.saved = profile;
      return true;
    },
    delete: async () => true,
    list: async () => ({ items: [] }),
    findByAddress: async () => [],
  };
  return store;
}

describe('buildProfile', () => {
  it('keeps what Herald knows about an address the caller sends again (a bounce is not revived)', () => {
    const previous = bouncedProfile();
    const next = buildProfile('t', 'u1', { emails: ['A@X.example', 'c@x.example'] }, previous, T1);
    expect(next.emails).toEqual([
      { address: 'A@X.example', status: 'bounced', since: T0, source: 'ses:Bounce' },
      { address: 'c@x.example', status: 'ok', since: T1, source: 'api' },
    ]);
    expect(next.version).toBe(previous.version + 1);
    expect(next.createdAt).toBe(T0);
  });

  it('keeps one of each address however often it is given', () => {
    const profile = buildProfile(
      't',
      'u1',
      { emails: ['a@x.example', 'A@x.example'], phones: ['+14155550100', '+14155550100'] },
      undefined,
      T0,
    );
    expect(profile.emails).toHaveLength(1);
    expect(profile.phones).toHaveLength(1);
  });
});

describe('mergePatch', () => {
  it('replaces the fields given, removes those set to null, keeps the rest', () => {
    const base = inputOf(buildProfile('t', 'u', { name: 'A', timezone: 'UTC' }, undefined, T0));
    const merged = mergePatch(base, { timezone: null, locale: 'en-GB' });
    expect(merged).toMatchObject({ name: 'A', locale: 'en-GB' });
    expect(merged.timezone).toBeUndefined();
  });
});

describe('writeProfile', () => {
  it('reads again and retries when another write came first', async () => {
    const store = memoryStore(2);
    const { created } = await writeProfile(store, 't', 'u', { replace: { name: 'x' } });
    expect(created).toBe(true);
    expect(store.saved?.name).toBe('x');
  });

  it('answers a conflict after losing every try', async () => {
    await expect(writeProfile(memoryStore(10), 't', 'u', { replace: {} })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('refuses a profile over 4 KB before writing it', async () => {
    const store = memoryStore();
    const tokens = Array.from({ length: 5 }, (_, n) => ({ token: `${n}${'t'.repeat(511)}` }));
    await expect(
      writeProfile(store, 't', 'u', {
        replace: { pushTokens: tokens, attributes: { a: 'x'.repeat(1000) }, name: 'n'.repeat(256) },
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(store.saved).toBeUndefined();
  });
});

describe('validation', () => {
  it('names each bad field', () => {
    try {
      requireProfile({
        emails: ['nope'],
        slack: { team: 'x' },
        preferences: { channels: { fax: false } },
      });
      expect.unreachable();
    } catch (error) {
      const paths = (error as InvalidRequestError).errors.map((e) => e.path).sort();
      expect(paths).toEqual(['emails[0]', 'preferences.channels.fax', 'slack']);
    }
  });

  it('accepts null in a patch and refuses it in a whole profile', () => {
    expect(requirePatch({ name: null })).toEqual({ name: null });
    expect(() => requireProfile({ name: null })).toThrow(InvalidRequestError);
  });

  it('keeps quiet hours (local HH:MM) and names a bad one at its field', () => {
    const quietHours = { start: '22:00', end: '07:00' };
    const profile = buildProfile('t', 'u', requireProfile({ quietHours }), undefined, T0);
    expect(profile.quietHours).toEqual(quietHours);
    expect(inputOf(profile).quietHours).toEqual(quietHours);
    expect(mergePatch(inputOf(profile), { quietHours: null }).quietHours).toBeUndefined();
    try {
      requireProfile({ quietHours: { start: '24:00', end: '7' } });
      expect.unreachable();
    } catch (error) {
      const paths = (error as InvalidRequestError).errors.map((e) => e.path).sort();
      expect(paths).toEqual(['quietHours.end', 'quietHours.start']);
    }
  });

  it('refuses attributes nested deeper than DynamoDB stores', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let n = 0; n < 20; n++) deep = { n: deep };
    expect(() => requireProfile({ attributes: deep })).toThrow(InvalidRequestError);
  });
});
