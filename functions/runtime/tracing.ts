import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { serviceName } from './powertools';

/**
 * The function's one Tracer (X-Ray through Powertools). On when POWERTOOLS_TRACE_ENABLED is not
 * `false` and the code runs in Lambda; the stack sets the variable from its `tracing` switch and
 * the local stack sets it `false`. When off, every helper here is a pass-through.
 * Responses are never recorded (they carry recipients): POWERTOOLS_TRACER_CAPTURE_RESPONSE=false
 * in the stack, and `captureResponse: false` here for any other deployment.
 */
export const tracer = new Tracer({ serviceName: serviceName('herald') });

type Subsegment = NonNullable<Parameters<Parameters<Tracer['provider']['captureAsyncFunc']>[1]>[0]>;

/** The middy middleware that opens the `## handler` subsegment, with ColdStart and Service annotations. */
export const traceHandler = () => captureLambdaHandler(tracer, { captureResponse: false });

/** An AWS SDK v3 client whose calls appear as subsegments (and carry the trace header onward). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

/** Searchable annotations (X-Ray filter `annotation.notificationId = "..."`). Strings only: no recipients. */
export type TraceAnnotations = Record<string, string>;

/** Adds annotations to the current subsegment (the handler's, in the api and release functions). */
export function annotate(annotations: TraceAnnotations): void {
  if (!tracer.isTracingEnabled()) return;
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
  if (!tracer.isTracingEnabled() || tracer.getSegment() === undefined) return work();
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
