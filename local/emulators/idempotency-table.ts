import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoEmulator } from './dynamodb';

/** The idempotency table as lib/constructs/idempotency-table.ts deploys it (TTL not emulated). */
export async function createIdempotencyTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    // Kept from an earlier run (a data directory): the same table, reused.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Local table ${tableName} did not become ACTIVE`);
}

/** The emulator once it also holds the idempotency table; stopped if that cannot be made. */
export async function withIdempotencyTable(
  emulator: DynamoEmulator,
  tableName: string,
): Promise<DynamoEmulator> {
  try {
    await createIdempotencyTable(emulator.client, tableName);
    return emulator;
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
