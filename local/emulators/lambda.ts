import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

const ACCOUNT = '000000000000';

/** A Lambda context for one invocation, shaped like the one the nodejs runtime passes. */
export function createLambdaContext(
  functionName: string,
  region: string,
  timeoutMs = 30_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The callback-style completion functions are deprecated and never used by async handlers.
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What a handler module must export. */
export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Import `functions/handlers/<name>.ts` and return its `handler`, or undefined when the file
 * does not exist (yet). Import errors of a file that exists are real bugs and are thrown.
 * Must run after process.env is set: handler modules build their clients at import.
 * A distinct `instance` evaluates the handler file again (its dependencies stay cached), like
 * a new cold start with the current environment.
 */
export async function loadHandler<E, R>(
  name: string,
  instance?: string,
): Promise<LambdaHandler<E, R> | undefined> {
  const url = new URL(`../../functions/handlers/${name}.ts`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  // A computed specifier keeps tsc from requiring the file while it is still being written.
  const specifier = `../../functions/handlers/${name}${instance ? `?instance=${instance}` : ''}`;
  const module: { handler?: unknown } = await import(specifier);
  if (typeof module.handler !== 'function') {
    throw new Error(`functions/handlers/${name}.ts does not export a handler function`);
  }
  return module.handler as LambdaHandler<E, R>;
}

/**
 * Execution environments of one function: an invocation takes an idle one or cold-starts a new
 * one, so concurrent invocations never share module state, as in Lambda.
 */
export class EnvironmentPool<E, R> {
  readonly #idle: Array<LambdaHandler<E, R>>;
  #started: number;

  constructor(
    first: LambdaHandler<E, R>,
    private readonly coldStart: (n: number) => Promise<LambdaHandler<E, R> | undefined>,
  ) {
    this.#idle = [first];
    this.#started = 1;
  }

  async invoke(event: E, context: Context): Promise<R> {
    const handler = this.#idle.pop() ?? (await this.#coldStart());
    try {
      return await handler(event, context);
    } finally {
      this.#idle.push(handler);
    }
  }

  async #coldStart(): Promise<LambdaHandler<E, R>> {
    this.#started += 1;
    const handler = await this.coldStart(this.#started);
    if (!handler) throw new Error('The handler file disappeared');
    return handler;
  }
}
