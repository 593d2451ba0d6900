// The Lambda side of the local stack, on its own thread: the channel pollers and the send-<channel>
// handlers they invoke, with the handlers' module-level SDK clients. In AWS these functions do
// not run on the machines serving SQS and DynamoDB; locally, keeping the SDK client work (serde,
// signing, HTTP) off the thread of the emulators and fakes is what lets the pipeline use 2 cores.
// Started by lambda-thread.ts through lambda-worker-entry.mjs.
import dns from 'node:dns';
import { parentPort, workerData } from 'node:worker_threads';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LambdaHandler, loadHandler } from './emulators/lambda';
import type { FromLambdaThread, LambdaThreadData, ToLambdaThread } from './lambda-thread';
import { type Poller, startPoller } from './poller';

type ChannelHandler = LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;
type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

const port = parentPort;
if (!port) throw new Error('local/lambda-worker.ts runs on a worker thread only');
const data = workerData as LambdaThreadData;
const post = (message: FromLambdaThread) => port.postMessage(message);
const log = (line: string) => post({ type: 'log', line });

// Queue URLs are on sqs.<region>.localhost, which the resolver does not answer (see sqs.ts), and
// DNS patches are per thread. Same effect as fauxqs's interceptLocalhostDns(), without importing
// fauxqs (its server and S3/SNS clients) into each thread: ~200 ms of start-up each.
const lookup = dns.lookup;
dns.lookup = ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
  if (!hostname.endsWith('.localhost')) return lookup(hostname, options, callback);
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as typeof dns.lookup;
// Instrumentation first (bench's SDK request counter), so it sees every client made below.
for (const url of data.preload) await import(url);

// This thread is new for each stack, so its handler modules read this stack's environment;
// one import per receive loop gives each concurrent invocation its own environment.
const handlers = new Map<string, ChannelHandler[]>();
const missing: string[] = [];
await Promise.all(
  data.functions.map(async (fn) => {
    const copies = await Promise.all(
      fn.lanes.flatMap((_, lane) =>
        Array.from({ length: data.pollersPerLane }, (_, i) =>
          loadHandler<SQSEvent, SQSBatchResponse | undefined>(
            fn.name,
            lane === 0 && i === 0 ? undefined : `${lane}-${i}`,
          ),
        ),
      ),
    );
    if (copies.every((h) => h !== undefined)) handlers.set(fn.name, copies);
    else missing.push(fn.name);
  }),
);

const sqs = new SQSClient({ region: data.region, endpoint: data.env.AWS_ENDPOINT_URL_SQS });
const pollers: Poller[] = [];

function startPollers() {
  if (pollers.length > 0) return;
  for (const fn of data.functions) {
    const copies = handlers.get(fn.name);
    if (!copies) continue;
    for (const [lane, queue] of fn.lanes.entries()) {
      pollers.push(
        startPoller({
          sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          region: data.region,
          functionName: `herald-${fn.name}`,
          environments: copies.slice(lane * data.pollersPerLane, (lane + 1) * data.pollersPerLane),
          log,
        }),
      );
    }
  }
}

port.on('message', (message: ToLambdaThread) => {
  if (message.type === 'start-pollers') startPollers();
  else if (message.type === 'stop') {
    // Batches in flight finish (their messages would otherwise reappear), then the parent
    // terminates this thread, which closes the handlers' keep-alive sockets with it.
    void Promise.all(pollers.map((p) => p.stop())).then(() => {
      sqs.destroy();
      post({ type: 'stopped' });
    });
  }
});

if (data.startPollers) startPollers();
post({ type: 'ready', missing });
