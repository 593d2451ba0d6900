import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRecipients, type LineError } from '../../bin/recipient-import';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// `npm run recipients -- import` on the local stack: CSV and JSON lines, per-line errors with
// their line numbers, and a re-run that resumes (or, with restart, gives the same profiles).

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let dir: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
  api = apiClient(stack);
  dir = await mkdtemp(join(tmpdir(), 'herald-import-'));
});
afterAll(() => stack?.stop());

const run = (file: string, errors: LineError[] = [], restart = false) =>
  importRecipients(file, {
    url: stack.url,
    key: stack.devApiKey,
    batchSize: 40,
    concurrency: 3,
    restart,
    onError: (e) => errors.push(e),
  });

describe('recipient import', () => {
  it('imports a CSV, reports each refused line, and resumes after the last line done', async () => {
    const rows = Array.from(
      { length: 150 },
      (_, n) =>
        `imp-${n},"Person ${n}, Jr",p${n}@import.example;alt${n}@import.example,+1415556${String(n).padStart(4, '0')},Europe/Paris,gold`,
    );
    rows.splice(10, 0, 'imp-bad,Bad,not-an-email,,Mars/Base,');
    const file = join(dir, 'people.csv');
    await writeFile(file, `id,name,emails,phone,timezone,attr.tier\n${rows.join('\n')}\n`);
    const errors: LineError[] = [];
    const first = await run(file, errors);
    expect(first).toMatchObject({ lines: 151, created: 150, updated: 0, failed: 1 });
    expect(errors.map((e) => [e.line, e.id, e.path]).sort()).toEqual([
      [12, 'imp-bad', 'emails[0]'],
      [12, 'imp-bad', 'timezone'],
    ]);
    const profile = (await api.get('/v1/recipients/imp-7')).body;
    expect(profile).toMatchObject({
      name: 'Person 7, Jr',
      emails: [{ address: 'p7@import.example' }, { address: 'alt7@import.example' }],
      attributes: { tier: 'gold' },
    });
    const checkpoint = JSON.parse(await readFile(`${file}.import.json`, 'utf8'));
    expect(checkpoint.linesDone).toBe(152);

    const again = await run(file);
    expect(again).toMatchObject({ resumedFrom: 152, lines: 0 });

    const restarted = await run(file, [], true);
    expect(restarted).toMatchObject({ created: 0, updated: 150, failed: 1 });
    const same = (await api.get('/v1/recipients/imp-7')).body;
    expect({ ...same, updatedAt: '', version: 0 }).toEqual({
      ...profile,
      updatedAt: '',
      version: 0,
    });
  });

  it('imports JSON lines; a line that is not JSON is refused by number', async () => {
    const file = join(dir, 'people.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({
          id: 'j-1',
          phones: ['+14155550700'],
          preferences: { channels: { sms: false } },
        }),
        '{not json',
        JSON.stringify({ id: 'j-2', pushTokens: [{ token: 'tok-j2', platform: 'ios' }] }),
      ].join('\n'),
    );
    const errors: LineError[] = [];
    const result = await run(file, errors);
    expect(result).toMatchObject({ created: 2, failed: 1 });
    expect(errors).toEqual([expect.objectContaining({ line: 2 })]);
    expect((await api.get('/v1/recipients/j-1/preferences')).body.preferences).toEqual({
      channels: { sms: false },
    });
  });
});
