import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import { LocalDurableTestRunner } from '@aws/durable-execution-sdk-js-testing';
import { loadHandler } from './emulators/lambda';

/*
 * The durable engine of the local stack: the Lambda API calls the functions make for workflows
 * (Invoke with a DurableExecutionName, SendDurableExecutionCallbackSuccess/Failure), served on
 * localhost and run by the AWS SDK's own local runner (@aws/durable-execution-sdk-js-testing:
 * LocalDurableTestRunner, its checkpoint server in a worker thread), with real time.
 * What differs from AWS: executions live in memory only (a run waiting when the stack stops is
 * not resumed at the next start); StopDurableExecution is not served (cancel does not need it).
 */

export const LOCAL_WORKFLOW_FUNCTION = 'herald-workflow';
/** Clients built at import keep the first stack's endpoint: later stacks in the process reuse its port. */
let pinnedPort: number | undefined;

/** What the local engine ran in this process (bench: durable operations and invocations per run). */
export const workflowEngineStats = {
  executions: 0,
  operations: 0,
  invocations: 0,
  invocationMs: 0,
};

export interface LocalWorkflowEngine {
  /** AWS_ENDPOINT_URL_LAMBDA and WORKFLOW_FUNCTION_NAME for the functions. */
  env: Record<string, string>;
  /** Executions started and not yet ended. */
  running(): number;
  stop(): Promise<void>;
}

type Api = {
  sendCallbackSuccess(request: { CallbackId: string; Result?: string }): Promise<unknown>;
  sendCallbackFailure(request: { CallbackId: string; Error?: unknown }): Promise<unknown>;
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(payload === undefined ? '' : JSON.stringify(payload));
}

export async function startLocalWorkflowEngine(options: {
  instance: string | undefined;
  region: string;
  log: (line: string) => void;
}): Promise<LocalWorkflowEngine> {
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
  // The runner's callback client (what its operations' sendCallbackSuccess uses), reached by id.
  const api = (LocalDurableTestRunner as unknown as { createDurableApi(): Api }).createDurableApi();
  let handler: Promise<DurableLambdaHandler | undefined> | undefined;
  const executions = new Map<string, Promise<void>>();
  let active = 0;

  const start = (name: string, payload: unknown) => {
    handler ??= loadHandler<unknown, unknown>('workflow', options.instance) as Promise<
      DurableLambdaHandler | undefined
    >;
    active++;
    const execution = handler
      .then(async (loaded) => {
        if (!loaded) throw new Error('functions/handlers/workflow.ts is missing');
        const result = await new LocalDurableTestRunner({ handlerFunction: loaded }).run({
          payload,
        });
        workflowEngineStats.executions++;
        workflowEngineStats.operations += result.getOperations().length;
        for (const { startTimestamp: from, endTimestamp: to } of result.getInvocations()) {
          workflowEngineStats.invocations++;
          if (from && to) workflowEngineStats.invocationMs += to.getTime() - from.getTime();
        }
        if (result.getStatus() !== 'SUCCEEDED') {
          options.log(
            `[workflows] execution ${name} ${result.getStatus()}: ${JSON.stringify(result.getError())}`,
          );
        }
      })
      .catch((error: unknown) =>
        options.log(`[workflows] execution ${name} failed: ${String(error)}`),
      )
      .finally(() => {
        active--;
      });
    executions.set(name, execution);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = await body(req);
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method === 'POST' && invoke) {
        const name = String(
          req.headers['x-amz-durable-execution-name'] ?? `exec-${executions.size}`,
        );
        // Lambda returns the existing execution for a name it has seen (same payload).
        if (!executions.has(name)) start(name, text === '' ? {} : JSON.parse(text));
        const arn = `arn:aws:lambda:${options.region}:000000000000:function:${LOCAL_WORKFLOW_FUNCTION}:$LATEST/durable-execution/${name}`;
        return answer(res, 202, undefined, { 'x-amz-durable-execution-arn': arn });
      }
      const callback = /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail)$/.exec(
        url.pathname,
      );
      if (req.method === 'POST' && callback) {
        const callbackId = decodeURIComponent(callback[1] ?? '');
        try {
          if (callback[2] === 'succeed')
            await api.sendCallbackSuccess({ CallbackId: callbackId, Result: text });
          else
            await api.sendCallbackFailure({
              CallbackId: callbackId,
              Error: text === '' ? {} : JSON.parse(text),
            });
          return answer(res, 200, {});
        } catch (error) {
          return answer(
            res,
            400,
            { message: String(error) },
            { 'x-amzn-errortype': 'InvalidParameterValueException' },
          );
        }
      }
      answer(
        res,
        404,
        { message: `not served locally: ${req.method} ${url.pathname}` },
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    })().catch((error: unknown) => answer(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(pinnedPort ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  pinnedPort = port;
  return {
    env: {
      AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}`,
      WORKFLOW_FUNCTION_NAME: `arn:aws:lambda:${options.region}:000000000000:function:${LOCAL_WORKFLOW_FUNCTION}:live`,
    },
    running: () => active,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Executions still waiting are dropped with the checkpoint server (in memory only).
      await LocalDurableTestRunner.teardownTestEnvironment().catch(() => undefined);
    },
  };
}
