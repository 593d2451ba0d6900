import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { SCOPES } from '../../functions/core/access/api-keys';
import type { ReconcileReport } from '../../functions/core/delivery/reconcile';
import { CHANNELS } from '../../functions/core/notifications/model';
import type { ReleaseResult } from '../../functions/core/notifications/release';
import { type LambdaHandler, loadHandler } from '../emulators/lambda';
import { fanoutFunction } from '../fanout';
import type { ApiHandler, AuthorizerHandler } from '../http-api';
import { type LambdaThread, startLambdaThreads } from '../lambda-thread';
import { workflowTriggerFunction } from '../workflow-triggers';
import type { LocalEmulators } from './emulators';
import type { LocalStackOptions } from './options';
import { REGION, TABLE_NAME } from './settings';

/** The functions of the stack, loaded: those run in this thread, and the Lambda thread(s). */
export interface LocalFunctions {
  api: ApiHandler | undefined;
  /** functions/handlers/manage.ts: the management routes (local/http-api.ts routes them there). */
  manage: ApiHandler | undefined;
  authorizer: AuthorizerHandler | undefined;
  release: LambdaHandler<unknown, ReleaseResult> | undefined;
  reconcile: LambdaHandler<unknown, ReconcileReport> | undefined;
  /** The channel and feedback functions with their queue pollers. */
  lambdaThread: LambdaThread;
}

/**
 * Loads every function and stores the development key. Importing the handlers (and the SDKs they
 * pull in) is most of the start-up time; the channel handlers load on the Lambda thread
 * meanwhile, on the other core. A missing handler file is reported, not fatal. `instance` names
 * this stack's fresh copies of the handler modules (see stacksStarted in local/stack.ts).
 */
export async function loadFunctions(
  options: LocalStackOptions,
  context: {
    env: Record<string, string>;
    emulators: LocalEmulators;
    apiKey: string;
    instance: string | undefined;
    log: (line: string) => void;
    /** Told as soon as the release function is loaded (a kept schedule may be due already). */
    onRelease: (handler: LambdaHandler<unknown, ReleaseResult>) => void;
  },
): Promise<LocalFunctions> {
  const { env, emulators, apiKey, instance, log } = context;
  const { sqsEmulator, feedback } = emulators;
  const doc = DynamoDBDocumentClient.from(emulators.dynamo.client);
  const lambdaStarting = startLambdaThreads(
    {
      env,
      region: REGION,
      functions: [
        ...CHANNELS.map((channel) => {
          const queues = sqsEmulator.queues[channel];
          return {
            name: `send-${channel}`,
            lanes: [
              { url: queues.url, arn: queues.arn },
              { url: queues.highUrl, arn: queues.highArn },
            ],
          };
        }),
        // SES events: configuration set -> topic -> this queue -> the feedback function.
        { name: 'feedback', lanes: [{ url: feedback.queueUrl, arn: feedback.queueArn }] },
        // Topic sends: one message per page of subscribers (local/fanout.ts).
        ...fanoutFunction(env, REGION),
        // Triggers to a topic: one message per page of subscribers (local/workflow-triggers.ts).
        ...workflowTriggerFunction(env, REGION),
      ],
      // One handler copy per receive loop and lane (see PollerOptions.environments).
      pollersPerLane: options.pollersPerChannel ?? 2,
      startPollers: options.pollers !== false,
      // Google's OAuth endpoint is hard-coded in firebase-admin's credential: see the preload.
      preload: [
        new URL('../google-oauth-preload.ts', import.meta.url).href,
        ...(options.lambdaPreload ?? []),
      ],
    },
    options.lambdaThreads ?? 2,
    log,
  );
  try {
    const [api, manage, authorizer, lambdaThread, release, reconcile] = await Promise.all([
      loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>('api', instance),
      loadHandler<APIGatewayProxyEvent, APIGatewayProxyResult>('manage', instance),
      loadHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>(
        'authorizer',
        instance,
      ),
      lambdaStarting,
      loadHandler<unknown, ReleaseResult>('release-scheduled', instance).then((handler) => {
        if (handler) context.onRelease(handler);
        return handler;
      }),
      loadHandler<unknown, ReconcileReport>('reconcile', instance),
      // The same item the keys CLI writes: only the key's SHA-256 is stored. The development
      // key may do everything, so the console can show every view.
      new ApiKeyStore(doc, TABLE_NAME)
        .create('local', { key: apiKey, scopes: SCOPES })
        .catch((error: unknown) => {
          // A kept table already holds this key (or its revocation, which stays in force).
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }),
    ]);
    for (const [name, present] of [
      ['api', api],
      ['manage', manage],
      ['authorizer', authorizer],
      ['release-scheduled', release],
      ...CHANNELS.map((c) => [`send-${c}`, !lambdaThread.missing.includes(`send-${c}`)] as const),
    ] as const) {
      if (!present) log(`[stack] functions/handlers/${name}.ts does not exist: not wired`);
    }
    return { api, manage, authorizer, release, reconcile, lambdaThread };
  } catch (error) {
    await lambdaStarting.then(
      (thread) => thread.stop(),
      () => undefined,
    );
    throw error;
  }
}
