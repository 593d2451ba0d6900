/**
 * Dollars per million deliveries, from what this run measures: the AWS requests Herald's own code
 * makes (counted at the SDK's HTTP handler), the DynamoDB write units of each write, and the
 * measured duration of every Lambda invocation, times the unit prices below.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { loadHandler } from '../local/emulators/lambda';
import { startPoller } from '../local/poller';
import { startLocalStack } from '../local/stack';
import type { countSdkRequests } from './sdk-counter';

/**
 * On-demand unit prices, us-east-1, as published in 2026 (STACK.md, "unit prices for cost
 * tables"), USD.
 */
export const PRICES = {
  date: '2026, us-east-1, on-demand',
  apiGatewayRestPerRequest: 3.5e-6,
  lambdaPerGbSecondArm: 0.0000133334,
  lambdaPerRequest: 0.2e-6,
  sqsPerRequest: 0.4e-6,
  dynamoPerWriteUnit: 0.625e-6,
  dynamoPerReadUnit: 0.125e-6,
  schedulerPerInvocation: 1e-6,
  snsPerPublish: 0.5e-6,
};

/** Memory (MB) of each function as lib/ deploys it. */
const MEMORY_MB = { api: 512, authorizer: 256, sender: 256, events: 256 };

const quiet = () => undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const context = { functionName: 'bench', awsRequestId: 'bench' } as unknown as Context;

/** One Lambda function's invocations in a run. */
class Invocations {
  durations: number[] = [];
  constructor(readonly memoryMb: number) {}
  /** Lambda bills each invocation's duration rounded up to the millisecond. */
  get gbSeconds(): number {
    return this.durations.reduce(
      (sum, d) => sum + (Math.ceil(d) / 1000) * (this.memoryMb / 1024),
      0,
    );
  }
  get mean(): number {
    return this.durations.reduce((a, b) => a + b, 0) / Math.max(1, this.durations.length);
  }
  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.durations.push(performance.now() - start);
    }
  }
}

export interface CostRow {
  recipients: number;
  deliveries: number;
  perMillion: Record<string, number>;
  writeUnitsPerDelivery: number;
  notes: string[];
}

/**
 * One run: `requests` email notifications of `recipients` each, through the authorizer, the api
 * and the email sender (driven by a receive loop in this process, as Lambda's SQS event source
 * would: receive up to 10, invoke, delete what succeeded), on the local stack.
 */
async function measure(
  counter: ReturnType<typeof countSdkRequests>,
  recipients: number,
  requests: number,
): Promise<CostRow> {
  // As deployed: the events function keeps a tenant's webhooks for 30 s (the local stack: 0).
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollers: false,
    webhookCacheSeconds: 30,
  });
  // As deployed: the authorizer keeps verified keys for 60 s (the local stack sets 0).
  process.env.AUTHORIZER_CACHE_SECONDS = '60';
  const tag = `cost-${recipients}-${Date.now()}`;
  const api = await loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>('api', tag);
  const authorizer = await loadHandler<
    APIGatewayRequestAuthorizerEvent,
    APIGatewayAuthorizerResult
  >('authorizer', tag);
  const sender = await loadHandler<SQSEvent, SQSBatchResponse>('send-email', tag);
  if (!api || !authorizer || !sender) throw new Error('a handler is missing');
  const lambdas = {
    api: new Invocations(MEMORY_MB.api),
    authorizer: new Invocations(MEMORY_MB.authorizer),
    sender: new Invocations(MEMORY_MB.sender),
    events: new Invocations(MEMORY_MB.events),
  };
  const deliveries = recipients * requests;
  let delivered = 0;
  const off = stack.outbox.onEntry(() => delivered++);
  try {
    const queueUrl = stack.env.QUEUE_URL_EMAIL ?? '';
    // Warm every function once, outside the counts (cold starts are not per-delivery costs).
    counter.reset();
    const eventsBefore = stack.events.pipeline.eventsInvocationMs.length;
    for (let r = 0; r < requests; r++) {
      const auth = await lambdas.authorizer.time(() =>
        authorizer(
          {
            type: 'REQUEST',
            methodArn: 'arn:aws:execute-api:us-east-1:000000000000:api/local/POST/v1/notifications',
            headers: { authorization: `Bearer ${stack.devApiKey}` },
          } as unknown as APIGatewayRequestAuthorizerEvent,
          context,
        ),
      );
      const body = {
        channels: {
          email: {
            to: Array.from({ length: recipients }, (_, i) => `c${r}-${i}@example.com`),
            subject: 'cost',
            text: 'cost',
          },
        },
      };
      const answer = await lambdas.api.time(() =>
        api(
          {
            httpMethod: 'POST',
            path: '/v1/notifications',
            resource: '/v1/notifications',
            headers: { 'content-type': 'application/json' },
            multiValueHeaders: {},
            body: JSON.stringify(body),
            isBase64Encoded: false,
            pathParameters: null,
            queryStringParameters: null,
            multiValueQueryStringParameters: null,
            stageVariables: null,
            requestContext: { authorizer: auth.context },
          } as unknown as APIGatewayProxyEvent,
          context,
        ),
      );
      if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}`);
    }
    const poller = startPoller({
      sqs: new SQSClient({}),
      queueUrl,
      queueArn: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`,
      region: 'us-east-1',
      functionName: 'herald-send-email',
      environments: [(event, ctx) => lambdas.sender.time(() => sender(event, ctx))],
      log: quiet,
    });
    const deadline = Date.now() + 120_000;
    while (delivered < deliveries && Date.now() < deadline) await sleep(50);
    await poller.stop();
    await sleep(300);
    // The events function's work for these deliveries (the stream of their recorded writes).
    await stack.events.pipeline.stream.drained();
    lambdas.events.durations = stack.events.pipeline.eventsInvocationMs.slice(eventsBefore);
  } finally {
    off();
    await stack.stop();
  }

  const counts = counter.counts;
  const sqsRequests = counts.byService.sqs ?? 0;
  const readRequests = Object.entries(counts.byOperation)
    .filter(([op]) => /^dynamodb:(GetItem|Query|BatchGetItem|Scan)$/.test(op))
    .reduce((sum, [, n]) => sum + n, 0);
  const all = Object.values(lambdas);
  const invocations = all.reduce((sum, l) => sum + l.durations.length, 0);
  const gbSeconds = all.reduce((sum, l) => sum + l.gbSeconds, 0);
  const perDelivery = (dollars: number) => (dollars / deliveries) * 1e6;
  return {
    recipients,
    deliveries,
    writeUnitsPerDelivery: counts.dynamoWriteUnits / deliveries,
    perMillion: {
      'API Gateway (REST requests)': perDelivery(requests * PRICES.apiGatewayRestPerRequest),
      'Lambda (GB-s + requests)': perDelivery(
        gbSeconds * PRICES.lambdaPerGbSecondArm + invocations * PRICES.lambdaPerRequest,
      ),
      SQS: perDelivery(sqsRequests * PRICES.sqsPerRequest),
      'DynamoDB writes': perDelivery(counts.dynamoWriteUnits * PRICES.dynamoPerWriteUnit),
      'DynamoDB reads': perDelivery(readRequests * PRICES.dynamoPerReadUnit),
      'EventBridge Scheduler': perDelivery(
        (counts.byService.scheduler ?? 0) * PRICES.schedulerPerInvocation,
      ),
      'SNS (event publishes)': perDelivery((counts.byService.sns ?? 0) * PRICES.snsPerPublish),
    },
    notes: [
      `${delivered}/${deliveries} delivered`,
      `invocations: api ${lambdas.api.durations.length} x ${lambdas.api.mean.toFixed(1)} ms @${MEMORY_MB.api} MB, authorizer ${lambdas.authorizer.durations.length} x ${lambdas.authorizer.mean.toFixed(1)} ms @${MEMORY_MB.authorizer} MB, send-email ${lambdas.sender.durations.length} x ${lambdas.sender.mean.toFixed(1)} ms @${MEMORY_MB.sender} MB, events ${lambdas.events.durations.length} x ${lambdas.events.mean.toFixed(1)} ms @${MEMORY_MB.events} MB`,
      `requests by operation: ${Object.entries(counts.byOperation)
        .sort()
        .map(([op, n]) => `${op} ${(n / deliveries).toFixed(3)}`)
        .join(', ')} (per delivery)`,
      `per delivery: SQS ${(sqsRequests / deliveries).toFixed(3)} requests, DynamoDB ${(counts.dynamoWriteUnits / deliveries).toFixed(3)} write units + ${(readRequests / deliveries).toFixed(3)} reads`,
    ],
  };
}

const money = (v: number) => `$${v.toFixed(3)}`;

/** Prints the table; returns the rows (docs/deploy.md shows the same table). */
export async function benchCost(counter: ReturnType<typeof countSdkRequests>): Promise<CostRow[]> {
  console.log(
    `\nHerald's own AWS cost per million deliveries (email; unit prices ${PRICES.date}; measured counts x prices)`,
  );
  const rows = [await measure(counter, 1, 200), await measure(counter, 100, 10)];
  const services = Object.keys(rows[0]?.perMillion ?? {});
  console.log(
    `  ${'service'.padEnd(30)} ${rows.map((r) => `${r.recipients} recipient(s)/request`.padStart(26)).join('')}`,
  );
  for (const service of services) {
    console.log(
      `  ${service.padEnd(30)} ${rows.map((r) => money(r.perMillion[service] ?? 0).padStart(26)).join('')}`,
    );
  }
  const totals = rows.map((r) => Object.values(r.perMillion).reduce((a, b) => a + b, 0));
  console.log(
    `  ${'total (target <= $1.00 at 100)'.padEnd(30)} ${totals.map((t) => money(t).padStart(26)).join('')}`,
  );
  console.log(
    `  ${'write units/delivery (<= 2.0)'.padEnd(30)} ${rows.map((r) => r.writeUnitsPerDelivery.toFixed(3).padStart(26)).join('')}`,
  );
  for (const row of rows)
    for (const note of row.notes) console.log(`  [${row.recipients}] ${note}`);
  console.log(
    '  not included: SES ($100/M emails) and other vendors, log ingestion, X-Ray traces, idle SQS long polls of the event sources, fixed monthly costs (secrets, alarms, dashboard)',
  );
  return rows;
}
