import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  RECONCILE_INDEX,
  TENANT_INDEX,
  TENANT_INDEX_PK,
  TENANT_INDEX_PROJECTION,
  TENANT_INDEX_SK,
} from '../../functions/adapters/dynamodb/items';
import {
  RECIPIENT_INDEX,
  RECIPIENT_INDEX_PK,
  RECIPIENT_INDEX_SK,
} from '../../functions/adapters/dynamodb/recipient-keys';

export interface DynamoEmulatorOptions {
  host: string;
  port: number;
  region: string;
  tableName: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A directory to keep the table in (LevelDB) across restarts; in memory when absent. */
  path?: string;
  /** Capture every item write with its old and new image (the local DynamoDB Stream). */
  stream?: boolean;
}

/** One captured item write, as the dynalite worker posts it (see dynalite-worker.mjs). */
export interface CapturedWrite {
  tableName: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Grows with every captured write; orders the writes of one item. */
  sequenceNumber: string;
  /** Epoch seconds. */
  approximateCreationDateTime: number;
  keys: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}

/** dynalite (in memory or in `path`, on a worker thread) holding Herald's single table. */
export interface DynamoEmulator {
  endpoint: string;
  port: number;
  /** A client for the stack's own use (dev key, tests); closed by stop(). */
  client: DynamoDBClient;
  /**
   * With `stream`: the listener gets every captured write, in order; writes made before a
   * listener is set are held and handed to it first.
   */
  onWrite(listener: (write: CapturedWrite) => void): void;
  stop(): Promise<void>;
}

function startWorker(
  host: string,
  port: number,
  path: string | undefined,
  stream: boolean,
): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: { host, port, path, ...(stream && { stream: { keys: ['pk', 'sk'] } }) },
    // A larger young generation: fewer scavenges of the short-lived request objects (~6% less CPU).
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { port?: number; error?: string }) => {
      if (message.port) resolve({ worker, port: message.port });
      else {
        void worker.terminate();
        reject(new Error(`dynalite did not start: ${message.error}`));
      }
    });
  });
}

export async function startDynamoEmulator(options: DynamoEmulatorOptions): Promise<DynamoEmulator> {
  const { worker, port } = await startWorker(
    options.host,
    options.port,
    options.path,
    options.stream === true,
  );
  const held: CapturedWrite[] = [];
  let listener: ((write: CapturedWrite) => void) | undefined;
  worker.on('message', (message: { stream?: CapturedWrite }) => {
    if (!message.stream) return;
    if (listener) listener(message.stream);
    else held.push(message.stream);
  });
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
    await worker.terminate();
    throw error;
  }
  return {
    endpoint,
    port,
    client,
    onWrite(next) {
      listener = next;
      for (const write of held.splice(0)) next(write);
    },
    async stop() {
      client.destroy();
      await worker.terminate();
    },
  };
}

/** The table exactly as docs/architecture.md describes it (TTL is not emulated by dynalite). */
async function createHeraldTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const existing = await client
    .send(new DescribeTableCommand({ TableName: tableName }))
    .catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    });
  const definition = heraldTable(tableName);
  if (existing) {
    // A kept table (see `path`) is used as it is, unless it predates an index this code needs.
    const have = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const missing = (definition.GlobalSecondaryIndexes ?? [])
      .map((i) => i.IndexName)
      .filter((name) => !have.has(name));
    if (missing.length > 0) {
      throw new Error(
        `The kept local table lacks the index ${missing.join(', ')} (it was made by an older Herald): start once with npm start -- --fresh`,
      );
    }
    return;
  }
  await client.send(new CreateTableCommand(definition));
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

function heraldTable(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: TENANT_INDEX_PK, AttributeType: 'S' },
      { AttributeName: TENANT_INDEX_SK, AttributeType: 'S' },
      { AttributeName: 'rpk', AttributeType: 'S' },
      { AttributeName: 'rsk', AttributeType: 'S' },
      { AttributeName: RECIPIENT_INDEX_PK, AttributeType: 'S' },
      { AttributeName: RECIPIENT_INDEX_SK, AttributeType: 'S' },
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
      {
        IndexName: TENANT_INDEX,
        KeySchema: [
          { AttributeName: TENANT_INDEX_PK, KeyType: 'HASH' },
          { AttributeName: TENANT_INDEX_SK, KeyType: 'RANGE' },
        ],
        Projection: {
          ProjectionType: 'INCLUDE',
          NonKeyAttributes: [...TENANT_INDEX_PROJECTION],
        },
      },
      {
        IndexName: RECONCILE_INDEX,
        KeySchema: [
          { AttributeName: 'rpk', KeyType: 'HASH' },
          { AttributeName: 'rsk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sendAt', 'priority'] },
      },
      {
        IndexName: RECIPIENT_INDEX,
        KeySchema: [
          { AttributeName: RECIPIENT_INDEX_PK, KeyType: 'HASH' },
          { AttributeName: RECIPIENT_INDEX_SK, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
