import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { importRecipients } from '../bin/recipient-import';
import { RECIPIENT_INDEX_SHARDS, shardOf } from '../functions/adapters/dynamodb/recipient-keys';
import { DynamoRecipientStore } from '../functions/adapters/dynamodb/recipient-store';
import { storedBytes } from '../functions/core/recipients/model';
import { startLocalStack } from '../local/stack';
import { benchProfileWrites } from './recipient-writes';
import type { countSdkRequests } from './sdk-counter';
import { line, ms, percentile, quiet } from './support';

/*
 * `npm run bench -- recipients` (issue 18): on the local stack without pollers (nothing is sent,
 * only accepted): the import rate of BENCH_RECIPIENT_IMPORT profiles (10,000 by default, scaled
 * down from 100,000; set 100000 for the full run) with its write units, the index spread, accept
 * latency of 1,000 recipient ids against 1,000 raw addresses in the same run, and what resolving
 * 1,000 ids reads.
 */

type Json = Record<string, unknown>;

export async function benchRecipients(counter: ReturnType<typeof countSdkRequests>) {
  const size = Number(process.env.BENCH_RECIPIENT_IMPORT ?? 10_000);
  const stack = await startLocalStack({ port: 0, log: quiet, pollers: false, logLevel: 'SILENT' });
  const dir = await mkdtemp(join(tmpdir(), 'herald-bench-recipients-'));
  const call = async (body: unknown) => {
    const started = performance.now();
    const answer = await fetch(`${stack.url}/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await answer.json()) as Json;
    if (answer.status !== 202) throw new Error(`${answer.status} ${JSON.stringify(json)}`);
    return performance.now() - started;
  };
  try {
    console.log(
      '\nRecipients: write units per profile write (DynamoDB billing rules, local emulator)',
    );
    await benchProfileWrites(stack.env.AWS_ENDPOINT_URL_DYNAMODB ?? '', stack.env.TABLE_NAME ?? '');
    if (process.env.BENCH_RECIPIENT_WRITES_ONLY) return;
    console.log(
      `\nRecipients: import ${size.toLocaleString('en-US')} profiles (email + phone each), accept 1,000 ids vs 1,000 addresses`,
    );
    const file = join(dir, 'people.jsonl');
    const rows = Array.from({ length: size }, (_, n) =>
      JSON.stringify({
        id: `r${n}`,
        name: `Person ${n}`,
        emails: [`person${n}@bench.example`],
        phones: [`+1415${String(n).padStart(7, '0')}`],
        locale: 'en-US',
      }),
    );
    await writeFile(file, `${rows.join('\n')}\n`);
    counter.reset();
    const imported = await importRecipients(file, {
      url: stack.url,
      key: stack.devApiKey,
      batchSize: 500,
      concurrency: 4,
    });
    const seconds = imported.elapsedMs / 1000;
    const rate = imported.lines / seconds;
    line(
      `import ${size.toLocaleString('en-US')} (JSON lines, 500 a request, 4 in flight)`,
      `${seconds.toFixed(1)} s, ${Math.round(rate)} profiles/s${size < 100_000 ? ` (100,000 at this rate: ${Math.round(100_000 / rate)} s)` : ''}`,
    );
    const items = counter.counts.dynamoItemsWritten / size;
    line('table items written per profile (profile + address entries)', items.toFixed(2));
    line(
      'write units per profile (table / + id index entry)',
      `${(counter.counts.dynamoWriteUnits / size).toFixed(2)} / +1`,
    );
    // Address entries share the tenant's 16 table shards, id entries the index's 16.
    const table = new Array<number>(RECIPIENT_INDEX_SHARDS).fill(0);
    const index = new Array<number>(RECIPIENT_INDEX_SHARDS).fill(0);
    for (let n = 0; n < size; n++) {
      index[shardOf(`r${n}`)] = (index[shardOf(`r${n}`)] ?? 0) + 1;
      for (const value of [`person${n}@bench.example`, `+1415${String(n).padStart(7, '0')}`]) {
        table[shardOf(value)] = (table[shardOf(value)] ?? 0) + 1;
      }
    }
    const busiest = Math.max(...table) / (2 * size);
    line(
      'busiest address partition: share / writes/s in this run',
      `${(busiest * 100).toFixed(1)}% / ${Math.round(busiest * 2 * rate)} (limit 1,000)`,
    );
    line('busiest id index partition: share', `${((Math.max(...index) / size) * 100).toFixed(1)}%`);
    line(
      'profiles/s before an address partition hits 1,000 writes/s',
      `${Math.round(1000 / (2 * busiest)).toLocaleString('en-US')}`,
    );

    // Accept latency: the same email to 1,000 recipient ids and to 1,000 raw addresses.
    const ids = Array.from({ length: 1000 }, (_, n) => `r${n}`);
    const addresses = ids.map((_, n) => `person${n}@bench.example`);
    const email = { subject: 'Bench', text: 'Hello' };
    const byIds: number[] = [];
    const byAddresses: number[] = [];
    let batchGets = 0;
    for (let round = 0; round < 20; round++) {
      byAddresses.push(await call({ channels: { email: { ...email, to: addresses } } }));
      counter.reset();
      byIds.push(await call({ to: ids, channels: { email } }));
      batchGets += counter.counts.byOperation['dynamodb:BatchGetItem'] ?? 0;
    }
    const p = (v: number[], q: number) => percentile(v, q);
    line(
      'accept 1,000 raw addresses p50 / p99 (20 requests)',
      `${ms(p(byAddresses, 50))} / ${ms(p(byAddresses, 99))}`,
    );
    line(
      'accept 1,000 recipient ids p50 / p99 (20 requests)',
      `${ms(p(byIds, 50))} / ${ms(p(byIds, 99))}`,
    );
    line(
      'p99 ratio ids / addresses (target <= 1.5)',
      (p(byIds, 99) / p(byAddresses, 99)).toFixed(2),
    );
    line('BatchGetItem requests per 1,000 ids', (batchGets / 20).toFixed(1));

    // Read units: every profile read is one eventually consistent 4 KB unit (0.5) or more.
    const client = new DynamoDBClient({
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const store = new DynamoRecipientStore(
      DynamoDBDocumentClient.from(client),
      stack.env.TABLE_NAME ?? '',
    );
    const profiles = [...(await store.batchGet('local', ids)).values()];
    const sizes = profiles.map((pr) => storedBytes(pr) + 60); // + keys and index attributes
    const units = sizes.reduce((sum, s) => sum + Math.ceil(s / 4096) * 0.5, 0) / profiles.length;
    line(
      'read units per recipient resolved (largest profile)',
      `${units.toFixed(2)} (${Math.max(...sizes)} bytes)`,
    );
    client.destroy();
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
