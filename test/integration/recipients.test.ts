import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// Recipient profiles through the local API: create, replace, merge, read, search, batch, erase.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

type Profile = {
  id: string;
  name?: string;
  emails: { address: string; status: string }[];
  phones: { number: string; status: string }[];
  timezone?: string;
  version: number;
};

describe('recipient profiles', () => {
  it('PUT creates (201) then replaces (200); GET reads it; fields left out are removed', async () => {
    const created = await api.request('PUT', '/v1/recipients/user-1', {
      name: 'Ada',
      emails: ['Ada@Example.com'],
      phones: ['+14155550100'],
      timezone: 'Europe/Paris',
      locale: 'fr-FR',
      attributes: { plan: 'pro' },
    });
    expect(created.status).toBe(201);
    const profile = created.body as unknown as Profile;
    expect(profile.emails).toEqual([
      expect.objectContaining({ address: 'Ada@Example.com', status: 'ok', source: 'api' }),
    ]);
    const replaced = await api.request('PUT', '/v1/recipients/user-1', {
      emails: ['ada@example.com'],
    });
    expect(replaced.status).toBe(200);
    const read = (await api.get('/v1/recipients/user-1')).body as unknown as Profile;
    expect(read.name).toBeUndefined();
    expect(read.phones).toEqual([]);
    expect(read.version).toBe(2);
  });

  it('PATCH merges: a field given replaces it, null removes it; 404 for an unknown id', async () => {
    await api.request('PUT', '/v1/recipients/user-2', { name: 'Bo', timezone: 'UTC' });
    const patched = await api.request('PATCH', '/v1/recipients/user-2', {
      timezone: null,
      phones: ['+14155550111'],
    });
    expect(patched.status).toBe(200);
    const profile = patched.body as unknown as Profile;
    expect(profile.name).toBe('Bo');
    expect(profile.timezone).toBeUndefined();
    expect(profile.phones.map((p) => p.number)).toEqual(['+14155550111']);
    expect((await api.request('PATCH', '/v1/recipients/nobody', { name: 'x' })).status).toBe(404);
  });

  it('400 naming each bad field; a profile over 4 KB is refused', async () => {
    const bad = await api.request('PUT', '/v1/recipients/user-3', {
      emails: ['ok@example.com', 'nope'],
      phones: ['0123'],
      timezone: 'Mars/Olympus',
      locale: 'not a tag!',
      colour: 'blue',
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(
      ['colour', 'emails[1]', 'locale', 'phones[0]', 'timezone'].sort(),
    );
    const big = await api.request('PUT', '/v1/recipients/user-3', {
      name: 'n'.repeat(256),
      attributes: { a: 'x'.repeat(1000) },
      pushTokens: Array.from({ length: 5 }, (_, n) => ({ token: `${n}${'t'.repeat(510)}` })),
    });
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.body)).toContain('4096');
    expect((await api.get('/v1/recipients/user-3')).status).toBe(404);
    expect((await api.request('PUT', '/v1/recipients/a%23b', {})).status).toBe(400);
  });

  it('lists by id with a cursor, and finds by id, email or phone prefix', async () => {
    const items = Array.from({ length: 12 }, (_, n) => ({
      id: `list-${String(n).padStart(2, '0')}`,
      emails: [`person${n}@list.example`],
      phones: [`+1415555${String(n).padStart(4, '0')}`],
    }));
    const batch = await api.post('/v1/recipients/batch', {
      items: [...items, { id: 'bad one', emails: ['x'] }],
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ created: 12, updated: 0, failed: 1 });
    const failure = (batch.body.results as { status: string; errors?: { path: string }[] }[])[12];
    expect(failure?.errors?.map((e) => e.path).sort()).toEqual([
      'items[12].emails[0]',
      'items[12].id',
    ]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get(
        `/v1/recipients?q=list-&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as Profile[]).map((p) => p.id));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor);
    expect(seen).toEqual(items.map((i) => i.id));

    const byEmail = await api.get('/v1/recipients?q=PERSON1');
    expect((byEmail.body.items as Profile[]).map((p) => p.id).sort()).toEqual([
      'list-01',
      'list-10',
      'list-11',
    ]);
    const byPhone = await api.get(`/v1/recipients?q=${encodeURIComponent('+14155550007')}`);
    expect((byPhone.body.items as Profile[]).map((p) => p.id)).toEqual(['list-07']);
    expect((await api.get('/v1/recipients?cursor=bogus')).status).toBe(400);
  });

  it('an address dropped from a profile is no longer found by it', async () => {
    await api.request('PUT', '/v1/recipients/mover', { emails: ['old@mover.example'] });
    await api.request('PATCH', '/v1/recipients/mover', { emails: ['new@mover.example'] });
    expect((await api.get('/v1/recipients?q=old%40mover')).body.items).toEqual([]);
    const found = (await api.get('/v1/recipients?q=new%40mover')).body.items as Profile[];
    expect(found.map((p) => p.id)).toEqual(['mover']);
  });

  it('DELETE erases the profile and its addresses (admin scope)', async () => {
    await api.request('PUT', '/v1/recipients/gone', { emails: ['gone@erase.example'] });
    expect((await api.delete('/v1/recipients/gone')).status).toBe(204);
    expect((await api.get('/v1/recipients/gone')).status).toBe(404);
    expect((await api.get('/v1/recipients?q=gone%40erase')).body.items).toEqual([]);
    expect((await api.delete('/v1/recipients/gone')).status).toBe(404);
  });
});
