import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { CHANNELS, type Channel } from '../../functions/core/model';

/** One channel's queues (normal and high-priority lane, one shared DLQ). */
export interface ChannelQueue {
  name: string;
  url: string;
  arn: string;
  highUrl: string;
  highArn: string;
  dlqName: string;
  dlqUrl: string;
  dlqArn: string;
}

/** A message sitting in a DLQ, as `GET /_local/dlq` shows it. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: string;
  /** Where it is in the DLQ: still waiting, or received by someone and not yet deleted. */
  state: 'ready' | 'delayed' | 'inflight';
}

export interface SqsEmulatorOptions {
  port: number;
  region: string;
  /** Short locally so that a message whose handler gave no backoff comes back quickly. */
  visibilityTimeoutSeconds: number;
  /** Same value as the deployed redrive policy and the handlers' MAX_RECEIVE_COUNT. */
  maxReceiveCount: number;
  queuePrefix: string;
}

/** fauxqs with, per channel, a normal and a high-priority queue redriving to one DLQ. */
export interface SqsEmulator {
  /** The endpoint for AWS_ENDPOINT_URL_SQS (same host as the queue URLs). */
  endpoint: string;
  port: number;
  queues: Record<Channel, ChannelQueue>;
  /** Non-destructive look at what sits in a channel's DLQ. */
  deadLetters(channel: Channel): DeadLetter[];
  stop(): Promise<void>;
}

export async function startSqsEmulator(options: SqsEmulatorOptions): Promise<SqsEmulator> {
  // fauxqs hands out queue URLs on sqs.<region>.localhost, which Debian's resolver does not
  // answer; the SDK calls the queue URL's host, so every client in this process needs the patch.
  const restoreDns = interceptLocalhostDns();
  let server: FauxqsServer;
  try {
    server = await startFauxqs({
      port: options.port,
      logger: false,
      defaultRegion: options.region,
    });
  } catch (error) {
    restoreDns();
    throw error;
  }

  const queues = {} as Record<Channel, ChannelQueue>;
  for (const channel of CHANNELS) {
    const name = `${options.queuePrefix}-${channel}`;
    const dlqName = `${name}-dlq`;
    const dlq = server.createQueue(dlqName, {
      region: options.region,
      // The DLQ keeps messages for the longest time SQS allows, as the deployed one does.
      attributes: { MessageRetentionPeriod: '1209600' },
    });
    const attributes = {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: options.maxReceiveCount,
      }),
    };
    const queue = server.createQueue(name, { region: options.region, attributes });
    const high = server.createQueue(`${name}-high`, { region: options.region, attributes });
    queues[channel] = {
      name,
      url: queue.queueUrl,
      arn: queue.queueArn,
      highUrl: high.queueUrl,
      highArn: high.queueArn,
      dlqName,
      dlqUrl: dlq.queueUrl,
      dlqArn: dlq.queueArn,
    };
  }

  return {
    endpoint: `http://sqs.${options.region}.localhost:${server.port}`,
    port: server.port,
    queues,
    deadLetters(channel) {
      const state = server.inspectQueue(queues[channel].dlqName);
      if (!state) return [];
      const toDeadLetter = (
        m: {
          messageId: string;
          body: string;
          approximateReceiveCount: number;
          sentTimestamp: number;
        },
        where: DeadLetter['state'],
      ): DeadLetter => ({
        messageId: m.messageId,
        body: m.body,
        receiveCount: m.approximateReceiveCount,
        sentAt: new Date(m.sentTimestamp).toISOString(),
        state: where,
      });
      return [
        ...state.messages.ready.map((m) => toDeadLetter(m, 'ready')),
        ...state.messages.delayed.map((m) => toDeadLetter(m, 'delayed')),
        ...state.messages.inflight.map((e) => toDeadLetter(e.message, 'inflight')),
      ];
    },
    async stop() {
      try {
        await server.stop();
      } finally {
        restoreDns();
      }
    },
  };
}
