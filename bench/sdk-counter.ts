import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Requests every AWS SDK client in this process made, by service and by operation. */
export interface SdkCounts {
  byService: Record<string, number>;
  byOperation: Record<string, number>;
  /** DynamoDB write units, from the size of each item written (1 unit per started KB). */
  dynamoWriteUnits: number;
}

type Request = {
  hostname?: string;
  port?: number;
  path?: string;
  headers: Record<string, string>;
  body?: unknown;
  method?: string;
};

/**
 * Counts at the SDK's HTTP handler, which every v3 client (SQS, DynamoDB, SES, IoT data,
 * Secrets Manager, Scheduler) sends through: nothing in Herald's code is instrumented.
 * `services` maps `host:port` of each endpoint to a service name.
 */
export function countSdkRequests(services: Record<string, string>): {
  counts: SdkCounts;
  reset(): void;
} {
  const counts: SdkCounts = { byService: {}, byOperation: {}, dynamoWriteUnits: 0 };
  const original = NodeHttpHandler.prototype.handle;
  NodeHttpHandler.prototype.handle = function handle(
    this: NodeHttpHandler,
    request: Request,
    options?: unknown,
  ) {
    const host = `${request.hostname}:${request.port}`;
    const service =
      services[host] ?? (request.hostname?.startsWith('sqs.') ? 'sqs' : `other(${host})`);
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    const operation = target
      ? String(target).split('.').pop()
      : `${request.method} ${request.path?.split('/')[1] ?? ''}`;
    counts.byService[service] = (counts.byService[service] ?? 0) + 1;
    const key = `${service}:${operation}`;
    counts.byOperation[key] = (counts.byOperation[key] ?? 0) + 1;
    if (service === 'dynamodb' && request.body) {
      const body =
        typeof request.body === 'string'
          ? request.body
          : Buffer.from(request.body as Uint8Array).toString('utf8');
      counts.dynamoWriteUnits += writeUnits(String(operation), body);
    }
    return original.call(this, request as never, options as never);
  } as typeof original;
  return {
    counts,
    reset() {
      counts.byService = {};
      counts.byOperation = {};
      counts.dynamoWriteUnits = 0;
    },
  };
}

// DynamoDB bills 1 write unit per started KB of the item written (attribute names + values).
function itemUnits(item: unknown): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(item)) / 1024));
}

function writeUnits(operation: string, body: string): number {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (operation === 'BatchWriteItem') {
    const tables = parsed.RequestItems as Record<string, { PutRequest?: { Item: unknown } }[]>;
    return Object.values(tables)
      .flat()
      .reduce((sum, r) => sum + (r.PutRequest ? itemUnits(r.PutRequest.Item) : 1), 0);
  }
  // Delivery items stay well under 1 KB, so an update is one unit (checked in the report).
  if (operation === 'UpdateItem' || operation === 'PutItem' || operation === 'DeleteItem') return 1;
  return 0;
}
