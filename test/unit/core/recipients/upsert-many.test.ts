import { describe, expect, it } from 'vitest';
import { upsertMany } from '../../../../functions/core/recipients/manage';
import type { RecipientProfile } from '../../../../functions/core/recipients/model';
import type {
  RecipientStore,
  SuppressionLookup,
} from '../../../../functions/core/recipients/ports';
import { suppressionKey } from '../../../../functions/core/suppressions/model';

// A batch upsert (the batch route, the import, inline `to` profiles) writes the whole batch at
// once when the store can, and falls back to one-by-one writes for what that could not write.

/** Profiles in memory; `putMany` writes all it is given, losing the ids in `lose` once each. */
function memoryStore(lose: string[] = []) {
  const saved = new Map<string, RecipientProfile>();
  const calls = { putMany: 0, put: 0 };
  const write = (profile: RecipientProfile, previous?: RecipientProfile) => {
    if ((saved.get(profile.id)?.version ?? 0) !== (previous?.version ?? 0)) return false;
    saved.set(profile.id, profile);
    return true;
  };
  const store: RecipientStore = {
    get: async (_t, id) => saved.get(id),
    batchGet: async (_t, ids) =>
      new Map(
        ids.flatMap((id) => (saved.has(id) ? [[id, saved.get(id) as RecipientProfile]] : [])),
      ),
    put: async (profile, previous) => {
      calls.put++;
      return write(profile, previous);
    },
    putMany: async (writes) => {
      calls.putMany++;
      return writes.map((w) => {
        const at = lose.indexOf(w.profile.id);
        if (at >= 0) {
          lose.splice(at, 1);
          // Another writer came first: the stored profile moved on.
          const other = { ...w.profile, name: 'someone else', version: w.profile.version };
          saved.set(w.profile.id, other);
          return false;
        }
        return write(w.profile, w.previous);
      });
    },
    delete: async () => true,
    list: async () => ({ items: [] }),
    findByAddress: async () => [],
  };
  return { store, saved, calls };
}

const item = (id: string, input: Record<string, unknown>, n: number) => ({
  id,
  input,
  at: `items[${n}]`,
});

describe('upsertMany', () => {
  it('writes a whole batch in one putMany, and marks an address already suppressed with one lookup', async () => {
    const { store, saved, calls } = memoryStore();
    const lookups: number[] = [];
    const suppressions: SuppressionLookup = {
      findSuppressed: async (_t, recipients) => {
        lookups.push(recipients.length);
        return new Set([suppressionKey('email', 'gone@x.example')]);
      },
    };
    const results = await upsertMany(
      store,
      't',
      [
        item('a', { emails: ['a@x.example'], phones: ['+14155550100'] }, 0),
        item('b', { emails: ['Gone@X.example'] }, 1),
      ],
      { suppressions },
    );
    expect(results).toEqual([
      { id: 'a', status: 'created' },
      { id: 'b', status: 'created' },
    ]);
    expect(calls).toEqual({ putMany: 1, put: 0 });
    expect(lookups).toEqual([4]); // a's email, its phone on sms and whatsapp, b's email
    expect(saved.get('b')?.emails[0]).toMatchObject({
      status: 'undeliverable',
      source: 'suppression:email',
    });
  });

  it('an id given twice: the second merges onto the first; a lost race is read again', async () => {
    const { store, saved } = memoryStore(['c']);
    const results = await upsertMany(store, 't', [
      item('a', { name: 'Ada' }, 0),
      item('a', { emails: ['ada@x.example'] }, 1),
      item('c', { locale: 'fr-FR' }, 2),
    ]);
    expect(results.map((r) => r.status)).toEqual(['created', 'updated', 'updated']);
    expect(saved.get('a')).toMatchObject({ name: 'Ada', version: 2 });
    expect(saved.get('a')?.emails.map((e) => e.address)).toEqual(['ada@x.example']);
    // c: the other writer's change is kept, ours merged onto it.
    expect(saved.get('c')).toMatchObject({ name: 'someone else', locale: 'fr-FR' });
  });

  it('a profile over 4 KB is refused at its item, the others are written', async () => {
    const { store, saved } = memoryStore();
    const results = await upsertMany(store, 't', [
      item(
        'big',
        {
          attributes: { a: 'x'.repeat(1000) },
          name: 'y'.repeat(256),
          emails: [
            'z'.repeat(60).concat('@x.example'),
            'w'.repeat(60).concat('@x.example'),
            'v'.repeat(60).concat('@x.example'),
            'u'.repeat(60).concat('@x.example'),
            't'.repeat(60).concat('@x.example'),
          ],
          phones: ['+14155550101', '+14155550102', '+14155550103', '+14155550104', '+14155550105'],
          pushTokens: Array.from({ length: 5 }, (_, n) => ({ token: `${n}`.repeat(300) })),
        },
        0,
      ),
      item('ok', { name: 'fine' }, 1),
    ]);
    expect(results[0]).toMatchObject({
      id: 'big',
      status: 'error',
      errors: [{ path: 'items[0]' }],
    });
    expect(results[1]).toEqual({ id: 'ok', status: 'created' });
    expect(saved.has('big')).toBe(false);
  });
});
