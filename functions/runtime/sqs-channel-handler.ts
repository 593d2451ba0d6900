import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { withAttemptSender } from '../adapters/dynamodb/attempt-sender';
import { NotificationStore } from '../adapters/dynamodb/notification-store';
import { SuppressionsWithProfiles } from '../adapters/dynamodb/suppressions-with-profiles';
import { type DeliverDependencies, deliverRecord } from '../core/delivery/deliver';
import { parseDeliveryMessage } from '../core/delivery/delivery-message';
import { failOnLastReceive } from '../core/delivery/last-receive';
import type { Channel, DeliveryMessage } from '../core/notifications/model';
import { createLimiter } from '../core/shared/concurrency';
import { maskRecipient } from '../core/shared/mask';
import { dynamo, sqs } from './aws-clients';
import { type ChannelConfig, loadChannelConfig } from './config';
import { createLogger, createMetrics, serviceName } from './powertools';
import type { ProviderSource } from './providers/source';
import { createRateLimiter } from './rate-limits';
import { suppressionsForBatch } from './suppression-batch';
import { inSubsegment, traceHandler } from './tracing';

/** Raised so the batch processor reports the record as failed and SQS delivers it again. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

export type ChannelHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** The lane a record came from, by the queue name at the end of its event source ARN. */
function laneOf(
  config: ChannelConfig,
  record: SQSRecord,
): { lane: 'high' | 'normal'; url: string } {
  const queueName = record.eventSourceARN.split(':').pop() ?? '';
  const high = config.queues.high;
  if (high?.endsWith(`/${queueName}`)) return { lane: 'high', url: high };
  return { lane: 'normal', url: config.queues.normal };
}

/**
 * Builds the Lambda handler of one channel: Powertools batch processing over the SQS batch
 * (records sent concurrently, partial batch response), one `deliverRecord` per record, EMF
 * metrics per outcome, and the retry delay set on the message itself.
 */
export function createChannelHandler<C extends Channel>(
  channel: C,
  providerSource: ProviderSource<C>,
): ChannelHandler {
  const config = loadChannelConfig(channel);
  const service = serviceName(`herald-send-${channel}`);
  const logger = createLogger(service);
  const metrics = createMetrics(service, logger);
  metrics.setDefaultDimensions({ channel });
  const store = new NotificationStore(dynamo, config.tableName);
  const suppressionList = new SuppressionsWithProfiles(dynamo, config.tableName);
  const processor = new BatchProcessor(EventType.SQS);
  // Providers with per-second limits (a Twilio long code, a Slack channel) get few calls at once.
  const limit = createLimiter(config.sendConcurrency);
  // Send rates per sender (core/providers): checked before the claim, so a wait is no attempt.
  const rates = createRateLimiter(
    channel,
    providerSource,
    { dynamo, sqs, tableName: config.tableName },
    store,
  );

  const deps: DeliverDependencies = {
    channel,
    store,
    provider: () => providerSource.get(),
    maxReceiveCount: config.maxReceiveCount,
    retryBaseSeconds: config.retryBaseSeconds,
    retryMaxSeconds: config.retryMaxSeconds,
    leaseMs: config.leaseMs,
  };

  /** The last receive before the DLQ failed outside the provider call: a final state, if free. */
  const lastReceiveFallback = (message: DeliveryMessage, receiveCount: number, error: unknown) =>
    failOnLastReceive(deps, { message, receiveCount }, error).catch((cause: unknown) => {
      logger.error('could not record the failure', { error: cause as Error });
      return false;
    });

  /** Sets how long SQS hides the message before it comes back. */
  const setVisibility = (record: SQSRecord, seconds: number, context: Record<string, unknown>) =>
    sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: laneOf(config, record).url,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      )
      .catch((error: unknown) => {
        // The queue's own visibility timeout still brings the message back.
        logger.warn('could not set the message visibility', { ...context, error: error as Error });
      });

  // Epoch ms when the current invocation ends; records check it before each attempt.
  let deadline: number | undefined;

  const recordHandler = async (
    record: SQSRecord,
    parsed: DeliveryMessage | Error,
    deps: DeliverDependencies,
  ): Promise<void> => {
    if (parsed instanceof Error) {
      // Not a Herald message: it can never succeed, so it rides the redrive to the DLQ.
      logger.error('malformed message', { messageId: record.messageId, error: parsed.message });
      metrics.addMetric('MalformedMessage', MetricUnit.Count, 1);
      throw parsed;
    }
    const message = parsed;
    const fields = {
      messageId: record.messageId,
      recipient: maskRecipient(channel, message.recipient),
    };
    let outcome: Awaited<ReturnType<typeof deliverRecord>>;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    let rate: Awaited<ReturnType<typeof rates.check>>;
    try {
      rate = await rates.check(record, message, laneOf(config, record), receiveCount, deadline);
    } catch (error) {
      // Before any attempt, but on the last receive the message leaves: record the final state.
      logger.error('send-rate check failed', { ...fields, error: error as Error });
      await lastReceiveFallback(message, receiveCount, error);
      throw error;
    }
    if (!rate.proceed) {
      metrics.addMetric('DeliveryRateWaited', MetricUnit.Count, 1);
      logger.info('delivery waits for its sender', { ...fields, reason: rate.reason });
      if (rate.visibilitySeconds === undefined) return;
      await setVisibility(record, rate.visibilitySeconds, fields);
      throw new RetryLaterError(rate.reason);
    }
    const sendDeps = rate.provider ? { ...deps, provider: rate.provider } : deps;
    try {
      // One subsegment per record, annotated so that X-Ray's search for the notification id
      // finds this trace as well as the api's (linked to it through the message's AWSTraceHeader).
      outcome = await limit(() =>
        inSubsegment(
          '### deliver',
          {
            notificationId: message.notificationId,
            deliveryId: message.deliveryId,
            channel,
          },
          // The attempt's history entry names the sender the rate gate chose (failover).
          () =>
            withAttemptSender(rate.sender, () =>
              deliverRecord(sendDeps, {
                message,
                receiveCount,
                ...(deadline !== undefined && { deadline }),
              }),
            ),
        ),
      );
    } catch (error) {
      logger.error('delivery error', {
        ...fields,
        correlation_id: message.notificationId,
        error: error as Error,
      });
      await lastReceiveFallback(message, receiveCount, error);
      throw error;
    }
    // Records of one batch are processed concurrently, so the correlation id (the notification
    // id, as in the api and release functions) goes on each line rather than on the logger.
    const context = {
      ...fields,
      correlation_id: message.notificationId,
      deliveryId: message.deliveryId,
    };
    switch (outcome.outcome) {
      case 'sent':
        // Accepted by the provider (the metric keeps its name: dashboards and alarms use it).
        metrics.addMetric('DeliveryDelivered', MetricUnit.Count, 1);
        logger.info(outcome.status, { ...context, providerMessageId: outcome.providerMessageId });
        return;
      case 'suppressed':
        metrics.addMetric('DeliverySuppressed', MetricUnit.Count, 1);
        logger.info('recipient suppressed: not sent', context);
        return;
      case 'failed':
        metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
        logger.warn('delivery failed permanently', {
          ...context,
          reason: outcome.reason,
          ...(outcome.suppressed && { suppressed: true }),
        });
        return;
      case 'skipped':
        metrics.addMetric('DeliverySkipped', MetricUnit.Count, 1);
        logger.info('delivery skipped', { ...context, status: outcome.reason });
        return;
      case 'exhausted':
        metrics.addMetric('DeliveryFailed', MetricUnit.Count, 1);
        logger.error('delivery failed after retries; message goes to the DLQ', {
          ...context,
          reason: outcome.reason,
        });
        throw new Error(outcome.reason);
      case 'retry': {
        metrics.addMetric('DeliveryRetried', MetricUnit.Count, 1);
        logger.warn('delivery will be retried', {
          ...context,
          reason: outcome.reason,
          delaySeconds: outcome.delaySeconds,
        });
        await setVisibility(record, outcome.delaySeconds, context);
        throw new RetryLaterError(outcome.reason);
      }
      case 'handback':
        // Not started, no attempt counted: straight back to the queue for another invocation.
        metrics.addMetric('DeliveryHandedBack', MetricUnit.Count, 1);
        logger.info('delivery handed back', { ...context, reason: outcome.reason });
        await setVisibility(record, 0, context);
        throw new RetryLaterError(outcome.reason);
      case 'deferred':
        // The last receive can do nothing: the message is dropped, the reconciler watches it.
        metrics.addMetric('DeliveryDeferred', MetricUnit.Count, 1);
        logger.warn('delivery left to the reconciler', { ...context, reason: outcome.reason });
        return;
    }
  };

  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deadline = Date.now() + context.getRemainingTimeInMillis();
    const first = event.Records[0];
    if (first) metrics.addDimension('lane', laneOf(config, first).lane);
    // Each body is parsed once, for both the batch's suppression read and its record.
    const parsed = new Map<string, DeliveryMessage | Error>();
    for (const record of event.Records) {
      try {
        parsed.set(record.messageId, parseDeliveryMessage(record.body, channel));
      } catch (error) {
        parsed.set(record.messageId, error as Error);
      }
    }
    const messages = [...parsed.values()].filter(
      (m): m is DeliveryMessage => !(m instanceof Error),
    );
    // One suppression read for the whole batch, not one per delivery.
    const suppressions = await suppressionsForBatch(
      channel,
      messages,
      store,
      suppressionList,
      (error) =>
        logger.warn('suppression batch read failed; checking per delivery', {
          error: error as Error,
        }),
    );
    const batchDeps = { ...deps, suppressions };
    return processPartialResponse(
      event,
      (record: SQSRecord) =>
        recordHandler(
          record,
          parsed.get(record.messageId) ?? new Error('record not in this batch'),
          batchDeps,
        ),
      processor,
      {
        context,
        throwOnFullBatchFailure: false,
      },
    );
  };

  return middy(handler)
    .use(traceHandler())
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
