/**
 * `npm run bench -- writes`: DynamoDB write units per delivery, ingest to final, on the whole local
 * pipeline (api, fan-out, senders, SES feedback, events function; every thread counted at the SDK's
 * HTTP handler, 1 unit per started KB of each item + 1 per index entry, see sdk-counter.ts), and
 * what Herald's counted AWS requests cost per million deliveries:
 * - email with SES feedback (final `delivered`), 10 requests of 100 recipients;
 * - push (no feedback, final `sent`), 10 requests of 100;
 * - an email topic send of BENCH_WRITES_TOPIC subscribers (2,000 by default; 100000 for the
 *   issue's size: per-page costs are the same, per-notification ones amortize further).
 * The bench's own polling reads through a fetch-based client the counter does not see.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { FINAL } from '../functions/core/notifications/status';
import { type LocalStack, startLocalStack } from '../local/stack';
import { PRICES } from './cost';
import { type countSdkRequests, SDK_COUNTER_PRELOAD } from './sdk-counter';
import { line, quiet, sleep } from './support';

type Counter = ReturnType<typeof countSdkRequests>;
type Json = Record<string, unknown>;

interface Scenario {
  label: string;
  /** Sends everything; returns the notification ids. */
  send(call: Call): Promise<string[]>;
  /** Deliveries it makes. */
  deliveries: number;
  /** The status every delivery ends in. */
  final: string;
  /** API requests it took (API Gateway's share). */
  apiRequests: number;
}
type Call = (method: string, path: string, body?: unknown) => Promise<Json>;

const READ_OPS = /^dynamodb:(GetItem|Query|BatchGetItem|Scan)$/;

function caller(stack: LocalStack): Call {
  return async (method, path, body) => {
    const answer = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.devApiKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await answer.json().catch(() => ({}))) as Json;
    if (answer.status >= 300) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(json)}`);
    }
    return json;
  };
}

/** Statuses of every delivery item of the notifications, read outside the counter. */
async function statuses(db: DynamoDBDocumentClient, table: string, ids: string[]) {
  const all: string[] = [];
  for (const id of ids) {
    const meta = await db.send(
      new GetCommand({ TableName: table, Key: { pk: `NOTIF#${id}`, sk: 'META' } }),
    );
    const shards = Number(meta.Item?.deliveryShards ?? 1);
    for (let s = 0; s < shards; s++) await shardStatuses(db, table, id, s, all);
  }
  return all;
}

async function shardStatuses(
  db: DynamoDBDocumentClient,
  table: string,
  id: string,
  shard: number,
  all: string[],
) {
  {
    let start: Record<string, unknown> | undefined;
    do {
      const answer = await db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :d)',
          ExpressionAttributeValues: {
            ':pk': shard === 0 ? `NOTIF#${id}` : `NOTIF#${id}#${shard}`,
            ':d': 'DELIVERY#',
          },
          ProjectionExpression: '#s',
          ExpressionAttributeNames: { '#s': 'status' },
          ConsistentRead: true,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of answer.Items ?? []) all.push(String(item.status));
      start = answer.LastEvaluatedKey;
    } while (start);
  }
}

async function measure(counter: Counter, stack: LocalStack, scenario: Scenario) {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ requestHandler: new FetchHttpHandler() }),
  );
  const table = stack.env.TABLE_NAME ?? '';
  counter.reset();
  const ids = await scenario.send(caller(stack));
  const deadline = Date.now() + 600_000;
  let seen: string[] = [];
  for (;;) {
    seen = await statuses(db, table, ids);
    const settled =
      seen.length >= scenario.deliveries &&
      seen.every((s) => FINAL.includes(s as never)) &&
      seen.filter((s) => s === scenario.final).length >= scenario.deliveries;
    if (settled || Date.now() > deadline) break;
    await sleep(500);
  }
  // The events function's writes and reads for the last changes.
  await sleep(500);
  await stack.events.pipeline.stream.drained();
  const counts = structuredClone(counter.counts);
  const n = scenario.deliveries;
  const reached = seen.filter((s) => s === scenario.final).length;
  const reads = Object.entries(counts.byOperation)
    .filter(([op]) => READ_OPS.test(op))
    .reduce((sum, [, c]) => sum + c, 0);
  const perMillion = {
    'API Gateway': (scenario.apiRequests * PRICES.apiGatewayRestPerRequest * 1e6) / n,
    'DynamoDB writes': (counts.dynamoWriteUnits * PRICES.dynamoPerWriteUnit * 1e6) / n,
    'DynamoDB reads': (reads * PRICES.dynamoPerReadUnit * 1e6) / n,
    SQS: ((counts.byService.sqs ?? 0) * PRICES.sqsPerRequest * 1e6) / n,
    SNS: ((counts.byService.sns ?? 0) * PRICES.snsPerPublish * 1e6) / n,
  };
  const total = Object.values(perMillion).reduce((a, b) => a + b, 0);
  console.log(`\n  ${scenario.label}: ${reached}/${n} ${scenario.final}`);
  line('    write units per delivery, ingest to final', (counts.dynamoWriteUnits / n).toFixed(3));
  // Send-rate buckets (issue 22) are the rate gate's, measured by `-- rates`: shown apart.
  const rate = Object.entries(counts.dynamoWriteUnitsByKind)
    .filter(([kind]) => kind.includes('RATE'))
    .reduce((sum, [, units]) => sum + units, 0);
  line(
    '    ... of which delivery records (without RATE# buckets)',
    ((counts.dynamoWriteUnits - rate) / n).toFixed(3),
  );
  for (const [kind, units] of Object.entries(counts.dynamoWriteUnitsByKind).sort()) {
    line(`      ${kind}`, (units / n).toFixed(3));
  }
  for (const [service, dollars] of Object.entries(perMillion)) {
    line(`    $ per million deliveries: ${service}`, `$${dollars.toFixed(3)}`);
  }
  line('    $ per million, counted requests (Lambda not included)', `$${total.toFixed(3)}`);
  line(
    '    ... without the RATE# bucket writes',
    `$${(total - (rate * PRICES.dynamoPerWriteUnit * 1e6) / n).toFixed(3)}`,
  );
  return { writeUnits: counts.dynamoWriteUnits / n, total };
}

const emailTo = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}@example.com`);

export async function benchWrites(counter: Counter) {
  const topicSize = Number(process.env.BENCH_WRITES_TOPIC ?? 2_000);
  console.log(
    `\nWrites per delivery, ingest to final (whole local pipeline; prices ${PRICES.date}; Lambda GB-s not counted here: see -- cost)`,
  );
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    reconcileIntervalMs: 0,
    reconcileAfterSeconds: 1800,
    lambdaPreload: [SDK_COUNTER_PRELOAD],
  });
  try {
    const run = Date.now().toString(36);
    const requests = (make: (r: number) => unknown) => async (call: Call) => {
      const ids: string[] = [];
      for (let r = 0; r < 10; r++) {
        ids.push(String((await call('POST', '/v1/notifications', make(r))).id));
      }
      return ids;
    };
    await measure(counter, stack, {
      label: 'email with SES feedback, 10 requests x 100 recipients',
      deliveries: 1_000,
      final: 'delivered',
      apiRequests: 10,
      send: requests((r) => ({
        channels: { email: { to: emailTo(`w${run}-${r}`, 100), subject: 'w', text: 'w' } },
      })),
    });
    await measure(counter, stack, {
      label: 'push, 10 requests x 100 recipients',
      deliveries: 1_000,
      final: 'sent',
      apiRequests: 10,
      send: requests((r) => ({
        channels: {
          push: {
            tokens: Array.from({ length: 100 }, (_, i) => `tok-w${run}-${r}-${i}`),
            title: 'w',
            body: 'w',
          },
        },
      })),
    });
    // The audience is written before the counter starts: its writes are not a delivery's.
    const call = caller(stack);
    const topic = `writes-${run}`;
    await call('PUT', `/v1/topics/${topic}`, {});
    for (let at = 0; at < topicSize; at += 1000) {
      const ids = Array.from({ length: Math.min(1000, topicSize - at) }, (_, i) => `w${at + i}`);
      await call('POST', '/v1/recipients/batch', {
        items: ids.map((id) => ({ id, emails: [`${id}-${run}@example.com`] })),
      });
      await call('POST', `/v1/topics/${topic}/subscribers`, { ids });
    }
    await measure(counter, stack, {
      label: `email topic send of ${topicSize.toLocaleString('en-US')} subscribers, SES feedback`,
      deliveries: topicSize,
      final: 'delivered',
      apiRequests: 1,
      send: async (c) => [
        String(
          (
            await c('POST', '/v1/notifications', {
              to: { topic },
              channels: { email: { subject: 'w', text: 'w' } },
            })
          ).id,
        ),
      ],
    });
  } finally {
    await stack.stop();
  }
}
