import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, interceptLocalhostDns, startFauxqs } from 'fauxqs';
import { CHANNELS, type Channel } from '../../functions/core/notifications/model';

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
  /** A directory where fauxqs keeps queues and messages (SQLite) across restarts; in memory when absent. */
  dataDir?: string;
}

/** fauxqs with, per channel, a normal and a high-priority queue redriving to one DLQ. */
export interface SqsEmulator {
  /** The endpoint for AWS_ENDPOINT_URL_SQS (same host as the queue URLs). */
  endpoint: string;
  port: number;
  queues: Record<Channel, ChannelQueue>;
  /** The fauxqs server itself, for topics and queues beyond the channels' (local/feedback.ts). */
  server: FauxqsServer;
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
      ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    });
  } catch (error) {
    restoreDns();
    throw error;
  }

  const endpoint = `http://sqs.${options.region}.localhost:${server.port}`;
  // Queues restored from dataDir keep their messages: recreating one would empty it, so an
  // existing queue only gets this run's attributes (and a URL on this run's port).
  const admin = new SQSClient({
    region: options.region,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const ensureQueue = async (
    name: string,
    attributes: Record<string, string>,
  ): Promise<{ queueUrl: string; queueArn: string }> => {
    const existing = server.inspectQueue(name);
    if (!existing) return server.createQueue(name, { region: options.region, attributes });
    const queueUrl = `${endpoint}/000000000000/${name}`;
    await admin.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
    return { queueUrl, queueArn: existing.arn };
  };

  const queues = {} as Record<Channel, ChannelQueue>;
  try {
    for (const channel of CHANNELS) {
      const name = `${options.queuePrefix}-${channel}`;
      const dlqName = `${name}-dlq`;
      // The DLQ keeps messages for the longest time SQS allows, as the deployed one does.
      const dlq = await ensureQueue(dlqName, { MessageRetentionPeriod: '1209600' });
      const attributes = {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: options.maxReceiveCount,
        }),
      };
      const queue = await ensureQueue(name, attributes);
      const high = await ensureQueue(`${name}-high`, attributes);
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
  } catch (error) {
    await server.stop().finally(restoreDns);
    throw error;
  } finally {
    admin.destroy();
  }

  return {
    endpoint,
    port: server.port,
    queues,
    server,
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
