import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Requests every AWS SDK client in this process made, by service and by operation: on the main
 * thread, and on the local stack's Lambda thread when the stack is started with
 * `lambdaPreload: [SDK_COUNTER_PRELOAD]` (that thread then reports each request here).
 */
export interface SdkCounts {
  byService: Record<string, number>;
  byOperation: Record<string, number>;
  /** DynamoDB write units: 1 per started KB of each item written, +1 per index entry written. */
  dynamoWriteUnits: number;
  /** DynamoDB items written (each entry of a BatchWriteItem, each Put/Update/DeleteItem). */
  dynamoItemsWritten: number;
  /** Write units by operation and kind of item (its sort key up to the first `#`). */
  dynamoWriteUnitsByKind: Record<string, number>;
}

type Request = {
  hostname?: string;
  port?: number;
  path?: string;
  headers: Record<string, string>;
  body?: unknown;
  method?: string;
};

/** One request as seen at the HTTP handler (of either thread). */
interface Seen {
  hostname: string;
  port: number | undefined;
  operation: string;
  /** Write units and items, when the body is a DynamoDB write (every other request: 0). */
  units: number;
  items: number;
  /** Write units by kind of item written (`<operation> <sort key prefix>`). */
  kinds?: Record<string, number>;
}

/** For `LocalStackOptions.lambdaPreload`: importing this module on a worker thread reports to it. */
export const SDK_COUNTER_PRELOAD = import.meta.url;
const CHANNEL = 'herald-bench-sdk-counter';

/**
 * Counts at the SDK's HTTP handler, which every v3 client (SQS, DynamoDB, SES, IoT data,
 * Secrets Manager, Scheduler) sends through: nothing in Herald's code is instrumented.
 * `services` maps `host:port` of each endpoint to a service name.
 */
export function countSdkRequests(services: Record<string, string>): {
  counts: SdkCounts;
  reset(): void;
} {
  const counts: SdkCounts = {
    byService: {},
    byOperation: {},
    dynamoWriteUnits: 0,
    dynamoItemsWritten: 0,
    dynamoWriteUnitsByKind: {},
  };
  const add = (seen: Seen) => {
    const host = `${seen.hostname}:${seen.port}`;
    const service = /^Publish/.test(seen.operation)
      ? 'sns'
      : (services[host] ?? (seen.hostname.startsWith('sqs.') ? 'sqs' : `other(${host})`));
    counts.byService[service] = (counts.byService[service] ?? 0) + 1;
    const key = `${service}:${seen.operation}`;
    counts.byOperation[key] = (counts.byOperation[key] ?? 0) + 1;
    counts.dynamoWriteUnits += seen.units;
    counts.dynamoItemsWritten += seen.items;
    for (const [kind, units] of Object.entries(seen.kinds ?? {})) {
      counts.dynamoWriteUnitsByKind[kind] = (counts.dynamoWriteUnitsByKind[kind] ?? 0) + units;
    }
  };
  watchRequests(add);
  const fromThreads = new BroadcastChannel(CHANNEL);
  fromThreads.unref();
  fromThreads.onmessage = (event) => {
    for (const seen of (event as MessageEvent).data as Seen[]) add(seen);
  };
  return {
    counts,
    reset() {
      counts.byService = {};
      counts.byOperation = {};
      counts.dynamoWriteUnits = 0;
      counts.dynamoItemsWritten = 0;
      counts.dynamoWriteUnitsByKind = {};
    },
  };
}

/** Patch this thread's NodeHttpHandler to report every request it sends. */
function watchRequests(report: (seen: Seen) => void): void {
  const original = NodeHttpHandler.prototype.handle;
  NodeHttpHandler.prototype.handle = function handle(
    this: NodeHttpHandler,
    request: Request,
    options?: unknown,
  ) {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    // AWS query protocol (SNS): the operation is the form body's Action.
    const action =
      typeof request.body === 'string'
        ? /(?:^|&)Action=([A-Za-z]+)/.exec(request.body)?.[1]
        : undefined;
    const operation = target
      ? (String(target).split('.').pop() ?? '')
      : (action ?? `${request.method} ${request.path?.split('/')[1] ?? ''}`);
    let written: { units: number; items: number; kinds?: Record<string, number> } = {
      units: 0,
      items: 0,
    };
    // Only DynamoDB's JSON protocol names DynamoDB_20120810 in its target.
    if (String(target).startsWith('DynamoDB_') && request.body) {
      const body =
        typeof request.body === 'string'
          ? request.body
          : // Not Buffer.from(body): the SDK's body adapter warns when read as a string.
            Buffer.from(
              (request.body as Uint8Array).buffer,
              (request.body as Uint8Array).byteOffset,
              (request.body as Uint8Array).byteLength,
            ).toString('utf8');
      written = writeUnits(operation, body);
      // Send-rate buckets (issue 22) are counted apart: their cost per delivery is a figure.
      if (body.includes('"pk":{"S":"RATE#')) {
        report({
          hostname: request.hostname ?? '',
          port: request.port,
          operation: `${operation} RATE#`,
          ...written,
        });
        return original.call(this, request as never, options as never);
      }
    }
    report({ hostname: request.hostname ?? '', port: request.port, operation, ...written });
    return original.call(this, request as never, options as never);
  } as typeof original;
}

// On a worker thread (the Lambda thread), requests are reported to the main thread's counter,
// in one message per turn of the event loop.
if (!isMainThread) {
  const toMain = new BroadcastChannel(CHANNEL);
  toMain.unref();
  let pending: Seen[] = [];
  watchRequests((seen) => {
    if (pending.length === 0) {
      setImmediate(() => {
        toMain.postMessage(pending);
        pending = [];
      });
    }
    pending.push(seen);
  });
}

// DynamoDB bills 1 write unit per started KB of the item written (attribute names + values),
// sized by its rules (test/unit/adapters/dynamodb/delivery-item-size.test.ts), not by the wire
// JSON, whose type wrappers and quotes count maps and lists up to twice their size.
function itemUnits(item: unknown): number {
  const attributes = Object.entries((item ?? {}) as Record<string, unknown>);
  const bytes = attributes.reduce(
    (n, [name, value]) => n + Buffer.byteLength(name) + size(value),
    0,
  );
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** The size of one attribute value in DynamoDB's low-level form (`{ S: ... }`, `{ M: ... }`...). */
function size(value: unknown): number {
  const [type, v] = Object.entries((value ?? {}) as Record<string, unknown>)[0] ?? ['NULL', true];
  if (type === 'S') return Buffer.byteLength(String(v));
  if (type === 'N') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1;
  if (type === 'B') return Buffer.from(String(v), 'base64').length;
  if (type === 'L') return 3 + (v as unknown[]).reduce((n: number, e) => n + 1 + size(e), 0);
  if (type === 'M') {
    const entries = Object.entries(v as Record<string, unknown>);
    return 3 + entries.reduce((n, [k, e]) => n + 1 + Buffer.byteLength(k) + size(e), 0);
  }
  if (type === 'SS' || type === 'NS') return (v as string[]).reduce((n, e) => n + e.length, 0);
  return 1;
}

/*
 * And 1 more per global secondary index the write puts an entry in (every index entry Herald
 * writes is well under 1 KB): the notification item's `byTenant` (tenantPk) and `reconcile` (rpk)
 * entries, an API key's `gsi1` entry. Moving an entry (a SET of its sort key) is a delete and a put.
 */
const INDEX_KEYS = ['tenantPk', 'rpk', 'gsi1pk'];
function indexUnits(item: Record<string, unknown>): number {
  return INDEX_KEYS.filter((key) => key in item).length;
}

function putUnits(item: unknown): number {
  return itemUnits(item) + indexUnits(item as Record<string, unknown>);
}

/** The kind of an item: its sort key up to the first `#` (`DELIVERY`, `META`, `PAGE`, ...). */
function kindOf(operation: string, item: unknown): string {
  const sk = (item as { sk?: { S?: string } } | undefined)?.sk?.S ?? '?';
  return `${operation} ${sk.split('#')[0]}`;
}

function writeUnits(
  operation: string,
  body: string,
): { units: number; items: number; kinds: Record<string, number> } {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const kinds: Record<string, number> = {};
  const count = (kind: string, units: number) => {
    kinds[kind] = (kinds[kind] ?? 0) + units;
    return units;
  };
  if (operation === 'BatchWriteItem') {
    const tables = parsed.RequestItems as Record<
      string,
      { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]
    >;
    const entries = Object.values(tables).flat();
    return {
      units: entries.reduce(
        (sum, r) =>
          sum +
          (r.PutRequest
            ? count(kindOf('BatchPut', r.PutRequest.Item), putUnits(r.PutRequest.Item))
            : count(kindOf('BatchDelete', r.DeleteRequest?.Key), 1)),
        0,
      ),
      items: entries.length,
      kinds,
    };
  }
  if (operation === 'PutItem') {
    return { units: count(kindOf(operation, parsed.Item), putUnits(parsed.Item)), items: 1, kinds };
  }
  // Delivery items stay well under 1 KB, so an update is one unit (checked in the report).
  if (operation === 'UpdateItem') {
    const expression = String(parsed.UpdateExpression ?? '');
    const units = 1 + (/\brsk\s*=/.test(expression) ? 2 : 0);
    return { units: count(kindOf(operation, parsed.Key), units), items: 1, kinds };
  }
  if (operation === 'DeleteItem') {
    return { units: count(kindOf(operation, parsed.Key), 1), items: 1, kinds };
  }
  return { units: 0, items: 0, kinds };
}
