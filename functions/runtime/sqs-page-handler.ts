import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, createMetrics } from './powertools';
import { annotate, traceHandler } from './tracing';

/** A function that works through a long job one page per SQS message (fan-out, topic triggers). */
export interface PageWorker<M extends { page: number }, R> {
  /** Powertools service name, e.g. `herald-fan-out`. */
  service: string;
  /** What a page is of, for the logs: `fan-out` logs "fan-out page". */
  what: string;
  /** The page message, or undefined when no retry could ever read it. */
  decode: (body: string) => M | undefined;
  /** The job's id, as the correlation id and the trace annotation: `{ notificationId }`. */
  idOf: (message: M) => { name: string; value: string };
  /** Does the page (resolve, write, enqueue, checkpoint). */
  work: (message: M) => Promise<R>;
  /** The metrics a page's result adds. */
  count: (metrics: Metrics, result: R) => void;
}

/**
 * The SQS handler of a page worker: each record decoded (a malformed one logged once and
 * dropped), correlated and annotated with its job's id, worked, counted and logged; failures
 * reported per record (partial batch response), so only a failed page is received again.
 */
export function sqsPageHandler<M extends { page: number }, R extends object>(
  worker: PageWorker<M, R>,
) {
  const logger = createLogger(worker.service);
  const metrics = createMetrics(worker.service, logger);
  const processor = new BatchProcessor(EventType.SQS);

  async function recordHandler(record: SQSRecord): Promise<void> {
    const message = worker.decode(record.body);
    if (!message) {
      // No retry could ever read it: logged once and dropped.
      logger.error(`malformed ${worker.what} message dropped`, { messageId: record.messageId });
      return;
    }
    const { name, value } = worker.idOf(message);
    logger.setCorrelationId(value);
    annotate({ [name]: value });
    const result = await worker.work(message);
    worker.count(metrics, result);
    logger.info(`${worker.what} page`, { page: message.page, ...result });
  }

  return middy(
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      processPartialResponse(event, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
      }),
  )
    .use(traceHandler())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
