/**
 * `npm run dlq -- list | show <messageId> | replay`: looks at and replays Herald's dead-letter
 * queues (one per channel, and the schedule DLQ of failed releases). Replay re-opens deliveries
 * whose retries ran out (permanent failures only with --include-permanent) and puts them back on
 * their work queue; deliveries already delivered, sent or cancelled are skipped. Works against a
 * deployed stack (queue URLs from its QueueUrls output, table from --table or its TableName
 * output) and against the local stack of `npm start` (--local). Operator-wide: every tenant.
 */
import { readFile } from 'node:fs/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Command, InvalidArgumentError } from 'commander';
import { NotificationStore } from '../functions/adapters/dynamodb/notification-store';
import { SqsDeadLetterQueues } from '../functions/adapters/sqs/dead-letter-queues';
import { SqsDeliveryQueue } from '../functions/adapters/sqs/delivery-queue';
import { type DeadLetterView, listDeadLetters } from '../functions/core/dead-letters/inspect';
import type { DeadLetterSource } from '../functions/core/dead-letters/queues';
import { replayDeadLetters } from '../functions/core/dead-letters/replay';
import { loadReplayConfig, type ReplayConfig } from '../functions/runtime/config';
import { LOCAL_STATE_FILE, type LocalState } from '../local/state-file';

interface TargetOptions {
  table?: string;
  stack: string;
  local?: boolean;
  state?: string;
}

interface FilterOptions {
  channel?: DeadLetterSource;
  notification?: string;
  since?: number;
  limit?: number;
}

interface Target {
  config: ReplayConfig;
  store: NotificationStore;
  queue: SqsDeliveryQueue;
  dlq: SqsDeadLetterQueues;
}

async function stackOutputs(stackName: string): Promise<Record<string, string>> {
  const answer = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const outputs = answer.Stacks?.[0]?.Outputs ?? [];
  return Object.fromEntries(outputs.map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

async function openTarget(options: TargetOptions): Promise<Target> {
  if (options.local) {
    const file = options.state ?? LOCAL_STATE_FILE;
    let state: LocalState;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as LocalState;
    } catch {
      throw new Error(`No local stack found (${file}); start it with npm start`);
    }
    if (!state.sqsEndpoint || !state.queueUrls) {
      throw new Error(`${file} lists no queues: restart the local stack (npm start)`);
    }
    // The emulator's queue URLs are on sqs.<region>.localhost, which the system resolver may not
    // answer; the emulator's own patch maps those names to 127.0.0.1 in this process.
    const { interceptLocalhostDns } = await import('fauxqs');
    interceptLocalhostDns();
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const config = loadReplayConfig({ TABLE_NAME: state.tableName, ...state.queueUrls });
    const db = new DynamoDBClient({
      endpoint: state.dynamodbEndpoint,
      region: state.region,
      credentials,
    });
    const sqs = new SQSClient({ endpoint: state.sqsEndpoint, region: state.region, credentials });
    return {
      config,
      store: new NotificationStore(DynamoDBDocumentClient.from(db), config.tableName),
      queue: new SqsDeliveryQueue(sqs, config.queues),
      // The emulator has no StartMessageMoveTask, and answers a receive at once.
      dlq: new SqsDeadLetterQueues(sqs, config.deadLetterQueues, { waitSeconds: 0 }),
    };
  }
  const outputs = await stackOutputs(options.stack);
  const urls = outputs.QueueUrls ? (JSON.parse(outputs.QueueUrls) as Record<string, string>) : {};
  const table = options.table ?? process.env.HERALD_TABLE_NAME ?? outputs.TableName;
  if (!table) throw new Error(`Stack ${options.stack} has no TableName output; pass --table`);
  const config = loadReplayConfig({ TABLE_NAME: table, ...urls });
  const sqs = new SQSClient({});
  return {
    config,
    store: new NotificationStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      table,
    ),
    queue: new SqsDeliveryQueue(sqs, config.queues),
    dlq: new SqsDeadLetterQueues(sqs, config.deadLetterQueues, { moveTask: true }),
  };
}

function parseSince(value: string): number {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's'];
    return Date.now() - Number(relative[1]) * unit;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) {
    throw new InvalidArgumentError(
      'an ISO-8601 time (2026-12-01T10:00:00Z) or an age (30m, 2h, 1d)',
    );
  }
  return at;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

function sourcesOf(target: Target, channel: DeadLetterSource | undefined): DeadLetterSource[] {
  const known = target.dlq.sources;
  if (channel === undefined) return [...known];
  if (!known.includes(channel)) {
    throw new Error(`no dead-letter queue "${channel}"; this stack has ${known.join(', ')}`);
  }
  return [channel];
}

function filterOf(options: FilterOptions) {
  return {
    ...(options.notification ? { notificationId: options.notification } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}

function withTarget(command: Command): Command {
  return command
    .option('--table <name>', 'DynamoDB table name (default: the stack output TableName)')
    .option('--stack <name>', 'CloudFormation stack to read queues and table from', 'Herald-dev')
    .option('--local', 'use the local stack started by npm start')
    .option('--state <file>', 'the local stack state file (with --local)');
}

function withFilters(command: Command): Command {
  return command
    .option('--channel <name>', 'one DLQ: email, sms, whatsapp, push, slack, mqtt or schedule')
    .option('--notification <id>', 'only messages of this notification')
    .option(
      '--since <time>',
      'only messages first sent since (ISO time or age: 30m, 2h)',
      parseSince,
    )
    .option('--limit <n>', 'at most this many messages per queue', parseLimit);
}

function line(v: DeadLetterView): string {
  const delivery = v.deliveryId ? `${v.notificationId}/${v.deliveryId}` : (v.notificationId ?? '?');
  const state = v.status ? `${v.status}${v.failure ? ` (${v.failure})` : ''}` : '';
  return `${v.messageId}  ${v.source.padEnd(8)}  ${delivery}  ${state.padEnd(20)}  sent ${v.sentAt}  receives ${v.receiveCount}`;
}

const program = new Command('dlq').description("Look at and replay Herald's dead-letter queues");

withFilters(withTarget(program.command('list')))
  .description('list dead letters with their deliveries (changes nothing)')
  .action(async (options: TargetOptions & FilterOptions) => {
    const target = await openTarget(options);
    let total = 0;
    for (const source of sourcesOf(target, options.channel)) {
      const views = await listDeadLetters(target, source, filterOf(options));
      for (const view of views) console.log(line(view));
      total += views.length;
    }
    console.log(total === 0 ? 'no dead letters' : `${total} dead letter${total === 1 ? '' : 's'}`);
  });

withTarget(program.command('show'))
  .description('one dead letter: body, delivery, last error')
  .argument('<messageId>')
  .action(async (messageId: string, options: TargetOptions) => {
    const target = await openTarget(options);
    for (const source of target.dlq.sources) {
      const found = (await listDeadLetters(target, source)).find((v) => v.messageId === messageId);
      if (found) {
        console.log(JSON.stringify(found, null, 2));
        return;
      }
    }
    console.error(`no dead letter ${messageId}`);
    process.exitCode = 1;
  });

withFilters(withTarget(program.command('replay')))
  .description('put dead letters back on their queues, re-opening deliveries whose retries ran out')
  .option('--dry-run', 'say what would happen, change nothing')
  .option('--include-permanent', 're-open permanent failures too')
  .action(
    async (
      options: TargetOptions & FilterOptions & { dryRun?: boolean; includePermanent?: boolean },
    ) => {
      const target = await openTarget(options);
      const totals = { replayed: 0, skipped: 0, kept: 0 };
      for (const source of sourcesOf(target, options.channel)) {
        const result = await replayDeadLetters(target, source, {
          ...filterOf(options),
          ...(options.dryRun ? { dryRun: true } : {}),
          ...(options.includePermanent ? { includePermanent: true } : {}),
        });
        for (const d of result.decisions) {
          const what = d.deliveryId
            ? `${d.notificationId}/${d.deliveryId}`
            : (d.notificationId ?? '?');
          console.log(
            `${d.action.padEnd(8)}  ${source.padEnd(8)}  ${d.messageId}  ${what}  ${d.reason}`,
          );
        }
        if (result.moveTask) console.log(`${source}: SQS message move task ${result.moveTask}`);
        if (result.error) {
          // Its messages stay in the DLQ and their deliveries as they were: the run can be repeated.
          console.error(`${source}: ${result.error}; nothing of this queue was replayed`);
          process.exitCode = 1;
        }
        totals.replayed += result.replayed;
        totals.skipped += result.skipped;
        totals.kept += result.kept;
      }
      console.log(
        `${options.dryRun ? 'dry run: would replay' : 'replayed'} ${totals.replayed}, skipped ${totals.skipped}, kept ${totals.kept}`,
      );
    },
  );

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
