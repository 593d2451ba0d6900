import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger per function, JSON, with the function's own service name. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** One Metrics (EMF) per function, namespace `Herald` unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Herald' });
}
