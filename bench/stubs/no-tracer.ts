/**
 * Stands in for @aws-lambda-powertools/tracer (and its middleware) in the bench's "no tracer"
 * bundles only, so that the cost of tracing at cold start (the X-Ray SDK's import) can be measured
 * as the difference. Never deployed: these bundles are only imported, never invoked.
 */
export class Tracer {
  provider = {};
  captureAWSv3Client<T>(client: T): T {
    return client;
  }
  isTracingEnabled(): boolean {
    return false;
  }
}
export const captureLambdaHandler = () => ({ before: () => undefined });
