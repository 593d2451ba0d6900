import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One Logger per function, JSON, with the function's own service name. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/**
 * One Metrics (EMF) per function, namespace `Herald` unless POWERTOOLS_METRICS_NAMESPACE says
 * otherwise. Its diagnostics go through the function's logger; "no metrics to publish" is normal
 * for reads and health checks, so it is demoted to debug.
 */
export function createMetrics(serviceName: string, logger: Logger): Metrics {
  return new Metrics({
    serviceName,
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
