import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import { serviceName } from './powertools';

/**
 * The function's one Tracer (X-Ray through Powertools). On when POWERTOOLS_TRACE_ENABLED is not
 * `false` and the code runs in Lambda; the stack sets the variable from its `tracing` switch and
 * the local stack sets it `false`. When off, every helper here is a pass-through.
 *
 * When off, the Tracer is not even loaded: importing the X-Ray SDK switches on its automatic mode,
 * an async hook that follows every promise of the process to its destruction, which costs CPU on
 * every invocation (measured locally: without it, the pipeline's CPU per delivery fell from 9.8 to
 * 7.5 ms) and 4–16 ms of cold start, whether or not anything is traced.
 *
 * Responses are never recorded (they carry recipients): POWERTOOLS_TRACER_CAPTURE_RESPONSE=false
 * in the stack, and `captureResponse: false` here for any other deployment.
 */
const wanted = process.env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() !== 'false';

const tracer: Tracer | undefined = wanted
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({
      serviceName: serviceName('herald'),
    })
  : undefined;
const middleware = wanted
  ? (await import('@aws-lambda-powertools/tracer/middleware')).captureLambdaHandler
  : undefined;

type Subsegment = NonNullable<Parameters<Parameters<Tracer['provider']['captureAsyncFunc']>[1]>[0]>;

/** The middy middleware that opens the `## handler` subsegment, with ColdStart and Service annotations. */
export const traceHandler = (): MiddlewareObj =>
  tracer && middleware
    ? middleware(tracer, { captureResponse: false })
    : { before: () => undefined };

/** An AWS SDK v3 client whose calls appear as subsegments (and carry the trace header onward). */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/** Searchable annotations (X-Ray filter `annotation.notificationId = "..."`). Strings only: no recipients. */
export type TraceAnnotations = Record<string, string>;

/** Adds annotations to the current subsegment (the handler's, in the api and release functions). */
export function annotate(annotations: TraceAnnotations): void {
  if (!tracer?.isTracingEnabled()) return;
  for (const [key, value] of Object.entries(annotations)) tracer.putAnnotation(key, value);
}

/**
 * Runs `work` in its own subsegment `name` with `annotations`, so concurrent records of one batch
 * each get their own subsegment (and SDK calls made inside nest under it). Errors are recorded
 * on the subsegment and rethrown.
 */
export async function inSubsegment<T>(
  name: string,
  annotations: TraceAnnotations,
  work: () => Promise<T>,
): Promise<T> {
  if (!tracer?.isTracingEnabled() || tracer.getSegment() === undefined) return work();
  return tracer.provider.captureAsyncFunc(name, async (subsegment?: Subsegment) => {
    for (const [key, value] of Object.entries(annotations)) subsegment?.addAnnotation(key, value);
    try {
      return await work();
    } catch (error) {
      subsegment?.addError(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  }) as Promise<T>;
}
