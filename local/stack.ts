import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { ensureConsoleBuilt } from '../console/build';
import type { ReconcileReport } from '../functions/core/delivery/reconcile';
import { CHANNELS, type Channel, MAX_RECEIVE_COUNT } from '../functions/core/notifications/model';
import type { ReleaseResult } from '../functions/core/notifications/release';
import { createConsoleHandler, readConsoleAssets } from '../functions/handlers/console';
import {
  createLambdaContext,
  EnvironmentPool,
  type LambdaHandler,
  loadHandler,
} from './emulators/lambda';
import type { DeadLetter } from './emulators/sqs';
import { type LocalEventPipeline, startEventPipeline } from './events';
import { createFanoutQueue } from './fanout';
import { type HttpApi, startHttpApi } from './http-api';
import type { LambdaThread } from './lambda-thread';
import { startReconcilerTimer } from './reconciler-timer';
import { startEmulators } from './stack/emulators';
import { handlerEnvironment } from './stack/environment';
import { loadFunctions } from './stack/functions';
import type { LocalStack, LocalStackOptions } from './stack/options';
import {
  DEV_KEY_FILE,
  developmentKey,
  HOST,
  portOf,
  REGION,
  RELEASE_FUNCTION,
  TABLE_NAME,
} from './stack/settings';
import { lazyTemplatesFunction } from './templates-function';
import { UsagePlanLimiter } from './usage-plan';
import { startLocalWorkflowEngine } from './workflow-engine';
import { createWorkflowTriggerQueue } from './workflow-triggers';

export type { LocalStack, LocalStackOptions } from './stack/options';

/**
 * Handler modules are imported once per process and build their clients from process.env at
 * import, so a second stack in the same process must serve the same endpoints: the first stack
 * pins the ports and later ones bind to them again.
 */
let pinnedPorts: Record<string, number> | undefined;
let running = false;
/**
 * Settings read at import (MESSAGE_DELAY_HORIZON_SECONDS, RETRY_BASE_SECONDS...) may differ per
 * stack, so each later stack imports fresh instances of the handler files (shared modules such
 * as the AWS clients stay cached, which the pinned ports make safe).
 */
let stacksStarted = 0;

/** Start emulators, fakes, pollers and the HTTP API in this process. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running) throw new Error('A local stack is already running in this process');
  running = true;
  try {
    return await start(options);
  } catch (error) {
    running = false;
    throw error;
  }
}

type ReleaseHandler = LambdaHandler<unknown, ReleaseResult>;

async function start(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const ports = pinnedPorts ?? {};
  const instance = stacksStarted++ === 0 ? undefined : String(stacksStarted);
  const dataDir = options.dataDir;
  const dataPath = (name: string) => (dataDir === undefined ? undefined : join(dataDir, name));
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });

  // Schedules are only created through the API, which is up after the release handler loads.
  let releaseHandler: ReleaseHandler | undefined;
  const invokeRelease = async (input: unknown): Promise<ReleaseResult> => {
    if (!releaseHandler) throw new Error('functions/handlers/release-scheduled.ts is not wired');
    return releaseHandler(input, createLambdaContext(RELEASE_FUNCTION, REGION));
  };
  const emulators = await startEmulators(options, {
    log,
    ports,
    dataPath,
    release: invokeRelease,
  });
  const { outbox, failures, faults, sqsEmulator, dynamo, mqtt, closeAll } = emulators;
  const env = handlerEnvironment(options, emulators);
  // Workflows run on the durable SDK's local runner behind a Lambda API stand-in.
  const workflowEngine = await startLocalWorkflowEngine({ instance, region: REGION, log });
  Object.assign(env, workflowEngine.env);
  // Triggers to a topic: the queue the workflow trigger function polls (local/workflow-triggers.ts).
  Object.assign(
    env,
    createWorkflowTriggerQueue(sqsEmulator.server, {
      region: REGION,
      endpoint: sqsEmulator.endpoint,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }),
  );
  // Topic sends: the fan-out queue its function polls (issue 21).
  Object.assign(
    env,
    createFanoutQueue(sqsEmulator.server, {
      region: REGION,
      endpoint: sqsEmulator.endpoint,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    }).env,
  );
  Object.assign(process.env, env);
  const apiKey = options.devApiKey ?? developmentKey(dataPath(DEV_KEY_FILE));

  let lambdaThread: LambdaThread | undefined;
  let httpApi: HttpApi | undefined;
  let eventPipeline: LocalEventPipeline | undefined;
  try {
    const functions = await loadFunctions(options, {
      env,
      emulators,
      apiKey,
      instance,
      log,
      onRelease: (handler) => {
        releaseHandler = handler;
      },
    });
    lambdaThread = functions.lambdaThread;
    const { api, manage, authorizer, reconcile: reconcileHandler } = functions;
    const thread = functions.lambdaThread;

    const pipeline = await startEventPipeline({
      dynamo,
      resources: emulators.eventResources,
      region: REGION,
      tableName: TABLE_NAME,
      endpoint: sqsEmulator.endpoint,
      instance,
      log,
      // The stream's records outlive a crash, as a DynamoDB Stream's do (24 hours in AWS).
      ...(dataDir !== undefined && { journalFile: join(dataDir, 'stream.jsonl') }),
    });
    eventPipeline = pipeline;

    let stopping: Promise<void> | undefined;
    const startPollers = () => {
      if (stopping) throw new Error('The local stack is stopped');
      thread.startPollers();
    };

    const dlq = async () =>
      Object.fromEntries(CHANNELS.map((c) => [c, sqsEmulator.deadLetters(c)])) as Record<
        Channel,
        DeadLetter[]
      >;
    // Concurrent HTTP requests get their own environments, like concurrent Lambda invocations.
    const pooled = <E, R>(name: string, first: LambdaHandler<E, R> | undefined) => {
      if (!first) return undefined;
      const pool = new EnvironmentPool(first, (n) =>
        loadHandler<E, R>(name, `${instance ?? 1}-${n}`),
      );
      return (event: E, context: Context) => pool.invoke(event, context);
    };
    await emulators.releaseApiPort();
    httpApi = await startHttpApi({
      host: HOST,
      port: emulators.apiPort,
      region: REGION,
      api: pooled('api', api),
      manage: pooled('manage', manage),
      templates: lazyTemplatesFunction(instance),
      authorizer: pooled('authorizer', authorizer),
      // Built from console/src on first request when the sources changed since the last build.
      console: createConsoleHandler(async () => readConsoleAssets(await ensureConsoleBuilt())),
      local: { outbox: () => outbox.list(), dlq, faults },
      log,
      ...(options.authorizerCacheSeconds
        ? { authorizerCacheSeconds: options.authorizerCacheSeconds }
        : {}),
      ...(options.usagePlan ? { usagePlan: new UsagePlanLimiter(options.usagePlan) } : {}),
    });

    pinnedPorts = {
      sqs: sqsEmulator.port,
      dynamodb: dynamo.port,
      secrets: portOf(emulators.secrets.url),
      ses: portOf(emulators.ses.url),
      slack: portOf(emulators.slack.url),
      twilio: portOf(emulators.twilio.url),
      fcm: portOf(emulators.fcm.url),
      iotData: portOf(mqtt.dataPlaneUrl),
      scheduler: portOf(emulators.scheduler.url),
      api: emulators.apiPort,
    };

    const http = httpApi;
    const reconcileIntervalMs = options.reconcileIntervalMs ?? 5_000;
    const reconciler =
      reconcileHandler && reconcileIntervalMs > 0
        ? startReconcilerTimer({
            handler: reconcileHandler,
            intervalMs: reconcileIntervalMs,
            region: REGION,
            log,
          })
        : undefined;
    return {
      url: http.url,
      devApiKey: apiKey,
      mqttUrl: mqtt.mqttUrl,
      outbox,
      failures,
      faults,
      providerRates: emulators.providerRates,
      env,
      dlq,
      startPollers,
      schedules: () => emulators.scheduler.schedules(),
      release: (notificationId) => invokeRelease({ notificationId }),
      reconcile: (): Promise<ReconcileReport> => {
        if (!reconcileHandler) throw new Error('functions/handlers/reconcile.ts is not wired');
        return reconcileHandler({}, createLambdaContext('herald-reconcile', REGION, 120_000));
      },
      events: { ...emulators.eventResources, pipeline },
      stop() {
        // Front door first, then the pollers (letting batches in flight finish), then the rest.
        stopping ??= (async () => {
          await http.close().catch((e: unknown) => log(`[stack] close failed: ${String(e)}`));
          await reconciler?.stop();
          await thread.stop();
          await pipeline.stop();
          await workflowEngine.stop();
          await closeAll();
          running = false;
        })();
        return stopping;
      },
    };
  } catch (error) {
    await httpApi?.close().catch(() => undefined);
    await eventPipeline?.stop().catch(() => undefined);
    await lambdaThread?.stop().catch(() => undefined);
    await workflowEngine.stop().catch(() => undefined);
    await closeAll();
    throw error;
  }
}
