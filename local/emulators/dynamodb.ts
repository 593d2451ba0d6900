import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeServer, listen } from './net';

// dynalite ships CommonJS without type declarations; this is the slice of it we call.
type Dynalite = (options: { createTableMs?: number; deleteTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

export interface DynamoEmulatorOptions {
  host: string;
  port: number;
  region: string;
  tableName: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** dynalite (in memory) holding Herald's single table. */
export interface DynamoEmulator {
  endpoint: string;
  port: number;
  /** A client for the stack's own use (dev key, tests); closed by stop(). */
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startDynamoEmulator(options: DynamoEmulatorOptions): Promise<DynamoEmulator> {
  // Tables become ACTIVE on the next tick instead of after dynalite's default 500 ms.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${options.host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region,
    credentials: options.credentials,
  });
  try {
    await createHeraldTable(client, options.tableName);
  } catch (error) {
    client.destroy();
    await closeServer(server);
    throw error;
  }
  return {
    endpoint,
    port,
    client,
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}

/** The table exactly as docs/architecture.md describes it (TTL is not emulated by dynalite). */
async function createHeraldTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  // The SDK waiter polls every 20 s at best; dynalite flips to ACTIVE within milliseconds.
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Local table ${tableName} did not become ACTIVE`);
}
