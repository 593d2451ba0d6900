import type { WorkflowEngine } from '../../core/workflows/ports';
import { type AwsCredentials, signV4 } from '../aws/sigv4';

/*
 * The durable engine as LambdaDurableEngine (durable-engine.ts) drives it, with two signed HTTPS
 * calls instead of the Lambda SDK client: the client carries every Lambda operation's schema and
 * the SDK's event-stream codec (~89 KiB), which the api function's send path would load for the
 * routing shorthand's one Invoke (docs/architecture.md, Bundles).
 */

/** One HTTP exchange; the runtime sends it with the SDK's Node handler (and traces it). */
export type HttpSend = (request: {
  /** The Lambda API operation, as the SDK would name it: `Invoke`. */
  operation: string;
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<{ status: number; headers: Record<string, string | undefined>; body: string }>;

export interface SignedEngineConfig {
  /** `https://lambda.<region>.amazonaws.com`, or the local engine's URL. */
  endpoint: string;
  region: string;
  /** The workflow function's ARN with its alias (durable invokes need a qualifier). */
  functionName: string;
  credentials: () => AwsCredentials;
}

/** An AWS error answer: its `name` is the exception type, as the SDK's errors have. */
export class LambdaCallError extends Error {
  constructor(
    override readonly name: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ATTEMPTS = 3;
/** Throttling and server errors are worth another try, as the SDK's standard retry does. */
const retryable = (error: unknown) =>
  !(error instanceof LambdaCallError) ||
  error.status === 429 ||
  error.status >= 500 ||
  /Throttl|TooManyRequests/.test(error.name);

export class SignedDurableEngine implements WorkflowEngine {
  constructor(
    private readonly send: HttpSend,
    private readonly config: SignedEngineConfig,
  ) {}

  async start(runId: string, payload: { runId: string }): Promise<void> {
    const path = `/2015-03-31/functions/${encodeURIComponent(this.config.functionName)}/invocations`;
    try {
      await this.call('Invoke', path, JSON.stringify(payload), {
        'x-amz-invocation-type': 'Event',
        'x-amz-durable-execution-name': runId,
      });
    } catch (error) {
      // Same name, same payload: the execution exists already, which is what a retry wants.
      if ((error as { name?: string }).name === 'DurableExecutionAlreadyStartedException') return;
      throw error;
    }
  }

  async completeCallback(callbackId: string, result: unknown): Promise<void> {
    const path = `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(callbackId)}/succeed`;
    try {
      await this.call(
        'SendDurableExecutionCallbackSuccess',
        path,
        typeof result === 'string' ? result : JSON.stringify(result),
        {},
      );
    } catch (error) {
      // Completed already (by the run itself or an earlier stream batch), or timed out: nothing to do.
      const name = (error as { name?: string }).name ?? '';
      if (/InvalidParameterValue|ResourceNotFound|CallbackTimeout|Conflict/.test(name)) return;
      throw error;
    }
  }

  private async call(
    operation: string,
    path: string,
    body: string,
    extra: Record<string, string>,
  ): Promise<void> {
    const base = new URL(this.config.endpoint);
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    for (let attempt = 1; ; attempt++) {
      try {
        const headers = await signV4(
          {
            method: 'POST',
            host: url.host,
            path: url.pathname,
            headers: { 'content-type': 'application/octet-stream', ...extra },
            body,
          },
          { service: 'lambda', region: this.config.region, credentials: this.config.credentials() },
        );
        const answer = await this.send({ operation, url, method: 'POST', headers, body });
        if (answer.status < 300) return;
        throw new LambdaCallError(errorName(answer), answer.status, answer.body.slice(0, 500));
      } catch (error) {
        if (attempt >= ATTEMPTS || !retryable(error)) throw error;
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt + Math.random() * 50));
      }
    }
  }
}

/** The exception type: `x-amzn-errortype` (before any `:`), else the JSON body's `__type`. */
function errorName(answer: {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}) {
  const header = answer.headers['x-amzn-errortype'];
  if (header) return header.split(':')[0] ?? header;
  try {
    const parsed = JSON.parse(answer.body) as { __type?: string; Type?: string; code?: string };
    const type = parsed.__type ?? parsed.code ?? parsed.Type;
    if (type) return type.split('#').pop() ?? type;
  } catch {
    // not JSON: the status says it
  }
  return `Http${answer.status}`;
}
