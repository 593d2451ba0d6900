/**
 * One-off migration of recipient address entries to the 2026-12-07 shape (docs/architecture.md,
 * "Recipients"): `npx tsx bin/recipient-migrate.ts --table <Herald table name>` with AWS
 * credentials for the stack's account. Reads every profile once (a Scan of `RCP#` items: one
 * pass over the table, 4 segments in parallel), writes each profile's address entries as
 * `RADDR#<tenant>#<shard>` / `<prefix><value>#<id>` and deletes its old `RADDR#<tenant>#<kind>#
 * <value>` items (their index entries go with them). Idempotent: run it again after a failure.
 * Until it has run, feedback does not find profiles written before the change and search by
 * email or phone misses them; sends to recipient ids are unaffected (they read profiles).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { DynamoRecipientStore, toProfile } from '../functions/adapters/dynamodb/recipient-store';

const SEGMENTS = 4;

async function migrate(tableName: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const store = new DynamoRecipientStore(db, tableName);
  const done = await Promise.all(
    Array.from({ length: SEGMENTS }, async (_, segment) => {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: SEGMENTS,
            FilterExpression: 'begins_with(pk, :rcp) AND sk = :profile',
            ExpressionAttributeValues: { ':rcp': 'RCP#', ':profile': 'PROFILE' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          await store.migrateAddresses(toProfile(item));
          count++;
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    }),
  );
  return done.reduce((a, b) => a + b, 0);
}

new Command('recipient-migrate')
  .requiredOption('--table <name>', "the stack's table (its TableName output)")
  .action(async (flags: { table: string }) => {
    const count = await migrate(flags.table);
    process.stdout.write(`${count} profiles migrated\n`);
  })
  .parseAsync()
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
