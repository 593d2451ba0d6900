import type { FauxqsServer } from 'fauxqs';

/** The SES feedback path as deployed: configuration set -> SNS topic -> SQS queue (+ DLQ). */
export interface LocalFeedbackPath {
  /** The configuration set the email function names (SES_CONFIGURATION_SET). */
  configurationSet: string;
  topicArn: string;
  queueUrl: string;
  queueArn: string;
  /** What the SES fake calls for each event of a send that named the configuration set. */
  publish(configurationSet: string, event: unknown): void;
}

/**
 * Creates the topic, the feedback queue (raw message delivery, so each message body is the SES
 * event JSON itself, as in AWS) and its DLQ in fauxqs. The feedback function polls the queue.
 */
export function createFeedbackPath(
  server: FauxqsServer,
  options: { region: string; prefix: string; maxReceiveCount: number; log: (line: string) => void },
): LocalFeedbackPath {
  const configurationSet = `${options.prefix}-local`;
  const topicName = `${options.prefix}-ses-events`;
  const { topicArn } = server.createTopic(topicName, { region: options.region });
  const dlq = server.createQueue(`${options.prefix}-feedback-dlq`, { region: options.region });
  const queue = server.createQueue(`${options.prefix}-feedback`, {
    region: options.region,
    attributes: {
      VisibilityTimeout: '5',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount,
      }),
    },
  });
  server.subscribe({
    topic: topicName,
    queue: queue.queueName,
    region: options.region,
    attributes: { RawMessageDelivery: 'true' },
  });
  return {
    configurationSet,
    topicArn,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    publish(set, event) {
      // SES publishes only for sends that named a configuration set with this destination.
      if (set !== configurationSet) return;
      try {
        server.publish(topicName, JSON.stringify(event), { region: options.region });
      } catch (error) {
        options.log(`[ses] could not publish an event: ${String(error)}`);
      }
    },
  };
}
