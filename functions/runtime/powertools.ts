import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The function's service name: POWERTOOLS_SERVICE_NAME when the deployment sets it (the stack
 * names each function per stage, and the dashboard queries that `service` dimension), else the
 * default, as locally where every function shares one process.
 */
export function serviceName(fallback: string): string {
  return process.env.POWERTOOLS_SERVICE_NAME || fallback;
}

/** One Logger per function, JSON. */
export function createLogger(service: string): Logger {
  return new Logger({ serviceName: service });
}

/**
 * One Metrics (EMF) per function, namespace `Herald` unless POWERTOOLS_METRICS_NAMESPACE says
 * otherwise. Its diagnostics go through the function's logger; "no metrics to publish" is normal
 * for reads and health checks, so it is demoted to debug.
 */
export function createMetrics(service: string, logger: Logger): Metrics {
  return new Metrics({
    serviceName: service,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Herald',
    logger: {
      debug: (message: unknown) => logger.debug(String(message)),
      info: (message: unknown) => logger.info(String(message)),
      error: (message: unknown) => logger.error(String(message)),
      warn: (message: unknown) => {
        if (String(message).startsWith('No application metrics')) logger.debug(String(message));
        else logger.warn(String(message));
      },
    },
  });
}
