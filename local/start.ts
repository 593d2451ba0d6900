import { mkdir, rm, writeFile } from 'node:fs/promises';
import { enableCompileCache } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { LocalStack } from './stack';
import { LOCAL_STATE_FILE, type LocalState, localQueueState } from './state-file';
import { usagePlanFromCdkJson } from './usage-plan';

// Most of start-up is V8 compiling the SDKs and emulators; its on-disk code cache roughly
// halves that from the second run on. The stack is imported only after it is enabled.
enableCompileCache();
const { startLocalStack } = await import('./stack');

// `npm start`: the whole pipeline in this process, on fixed ports a person can type.
const startedAt = performance.now();
const port = Number(process.env.PORT ?? 3000);
const mqttPort = Number(process.env.MQTT_PORT ?? 1883);

let args: { fresh: boolean; data: string };
try {
  const { values } = parseArgs({
    options: {
      // Start empty: the kept queues, table, schedules, outbox and development key are removed.
      fresh: { type: 'boolean', default: false },
      // Where state is kept across restarts.
      data: { type: 'string', default: join(dirname(LOCAL_STATE_FILE), 'data') },
    },
  });
  args = { fresh: values.fresh, data: resolve(values.data) };
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}
Usage: npm start [-- --fresh] [-- --data <dir>]`);
  process.exit(2);
}
// The endpoints file sits beside the data (.herald/local.json for the default .herald/data).
const stateFile = join(dirname(args.data), 'local.json');
if (args.fresh) {
  // Only what the stack itself keeps there, never anything else a mistyped --data points at.
  for (const name of ['sqs', 'dynamodb', 'outbox.jsonl', 'schedules.json', 'dev-api-key']) {
    await rm(join(args.data, name), { recursive: true, force: true });
  }
}

const plan = usagePlanFromCdkJson();
let stack: LocalStack;
try {
  stack = await startLocalStack({
    port,
    mqttPort,
    dataDir: args.data,
    // Throttle and quota per tenant, as the deployed stack's default usage plan (cdk.json).
    usagePlan: plan,
    log: (line) => console.error(line),
  });
} catch (error) {
  console.error(`Herald local stack failed to start: ${String(error)}`);
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error('A port is taken: set PORT (HTTP, default 3000) or MQTT_PORT (default 1883).');
  }
  process.exit(1);
}
// `npm run keys -- --local` finds this stack's table through this file.
const state: LocalState = {
  url: stack.url,
  region: stack.env.AWS_REGION ?? 'us-east-1',
  tableName: stack.env.TABLE_NAME ?? '',
  dynamodbEndpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  pid: process.pid,
  ...localQueueState(stack.env),
};
await mkdir(dirname(stateFile), { recursive: true });
await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);

const stackMs = Math.round(performance.now() - startedAt);
// performance.now() counts from process start, so this includes loading the modules too.
const totalMs = Math.round(performance.now());

const example = {
  channels: {
    email: { to: ['ada@example.com'], subject: 'Hello from Herald', text: 'It works.' },
    sms: { to: ['+15555550100'], text: 'Hello from Herald' },
    slack: { channel: '#general', text: 'Hello from Herald' },
    mqtt: { topic: 'demo', payload: { hello: 'world' } },
  },
};
console.log(`Herald local stack up in ${totalMs} ms (stack ${stackMs} ms, loading code ${totalMs - stackMs} ms)

  API          ${stack.url}
  Console      ${stack.url}/
  Outbox       ${stack.url}/_local/outbox
  DLQs         ${stack.url}/_local/dlq
  MQTT broker  ${stack.mqttUrl}
  API key      ${stack.devApiKey}   (tenant "local", scopes send, read, admin)
  OpenAPI      ${stack.url}/openapi.json
  Faults       ${stack.url}/_local/faults
  Data         ${args.data}   (kept across restarts; npm start -- --fresh starts empty)

The README's curl commands read the key from HERALD_KEY; in your shell:
  export HERALD_KEY=${stack.devApiKey}

Send a notification:
  curl -sS -X POST ${stack.url}/v1/notifications \\
    -H "Authorization: Bearer $HERALD_KEY" \\
    -H 'Content-Type: application/json' \\
    -d '${JSON.stringify(example)}'

Throttle per tenant: ${plan.rateLimit} requests/s, bursts of ${plan.burstLimit}, ${plan.quota.limit} per ${plan.quota.period.toLowerCase()} (cdk.json herald.api.usagePlan; over it: 429 with Retry-After).
/_local/* and the console's local views are unauthenticated and exist only on this local stack.

Watch MQTT as a device:  npm run subscribe -- 'herald/local/#'   (the dev key's namespace: topics are relative to it)${mqttPort === 1883 ? '' : ` --url ${stack.mqttUrl}`}
Ctrl-C stops everything.`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) {
    // A second Ctrl-C means "now", even if something hangs.
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  Promise.all([stack.stop(), rm(stateFile, { force: true })]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`Stop failed: ${String(error)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
