import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { TokenBucketStore } from '../adapters/dynamodb/token-bucket-store';
import { readRateHold, requeueForRate } from '../adapters/sqs/rate-wait-queue';
import type { ChannelProvider } from '../core/delivery/ports';
import type { DeliveryRepository } from '../core/delivery/report-ports';
import { ATTEMPT_MAX_MS, type Channel, type DeliveryMessage } from '../core/notifications/model';
import { BatchedBuckets } from '../core/providers/batch-booking';
import { DEFAULT_BREAKER, providerSideFailure } from '../core/providers/breaker';
import { createLocalShare } from '../core/providers/local-share';
import { DEFAULT_RATE_GATE, gateDelivery } from '../core/providers/rate-gate';
import type { SenderPool } from '../core/providers/senders';
import { ProviderError } from '../core/shared/errors';
import { parseEnv } from './config';
import type { ProviderSource } from './providers/source';
import { loadTenantProviderConfig } from './tenant-provider-config';
import { createTenantRouter, type ProviderRoute } from './tenant-providers';

/** What the channel handler does with a record before its attempt. */
export type RateCheck =
  /** Go: with this provider (bound to the sender the gate picked), when given. */
  | { proceed: true; provider?: () => Promise<ChannelProvider>; sender?: string }
  /**
   * Over the rate, no attempt: a copy waits in the queue (`visibilitySeconds` absent: this
   * record is done), or this record is hidden that long (a retried message).
   */
  | { proceed: false; reason: string; visibilitySeconds?: number };

export interface RateLimiter {
  check(
    record: SQSRecord,
    message: DeliveryMessage,
    lane: { lane: 'high' | 'normal'; url: string },
    receiveCount: number,
    deadline: number | undefined,
  ): Promise<RateCheck>;
  /** The bucket store's request counts (bench). */
  readonly buckets: TokenBucketStore;
}

const envSchema = () =>
  z.object({
    /** Multiplies every sender's rate: 1 deployed; the local stack and bench run a faster clock. */
    SENDER_RATE_SCALE: z._default(z.coerce.number().check(z.positive()), 1),
    MAX_RECEIVE_COUNT: z._default(z.coerce.number().check(z.int(), z.positive()), 5),
    TWILIO_STATUS_CALLBACK_URL: z.optional(z.url()),
    /** Instances of this function at most (both lanes): a fast sender's share is rate / this. */
    SENDER_MAX_CONCURRENCY: z.optional(z.coerce.number().check(z.int(), z.positive())),
    SENDER_BATCH_SIZE: z._default(z.coerce.number().check(z.int(), z.positive()), 10),
    /** How long a booking waits for the batch's other records to the same sender (one write). */
    RATE_BATCH_WINDOW_MS: z._default(z.coerce.number().check(z.nonnegative()), 10),
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The send-rate gate of one channel function: before a delivery is claimed it books its sender's
 * rate in the shared DynamoDB buckets (core/providers/rate-gate.ts; the records of a batch for one
 * sender in one write), or for a sender far faster than one instance sends, on this instance's
 * share in memory (core/providers/local-share.ts), and either goes (after a wait
 * of at most a second in the function), or waits in its queue without an attempt.
 */
export function createRateLimiter(
  channel: Channel,
  source: ProviderSource,
  clients: { dynamo: DynamoDBDocumentClient; sqs: SQSClient; tableName: string },
  store: Pick<DeliveryRepository, 'getContent'>,
  env: NodeJS.ProcessEnv = process.env,
): RateLimiter {
  const settings = parseEnv(envSchema(), env);
  const buckets = new TokenBucketStore(clients.dynamo, clients.tableName);
  // The tenant's own providers (in failover order), else the stack's.
  const router = createTenantRouter({
    channel,
    stack: source,
    config: loadTenantProviderConfig(env),
    tableName: clients.tableName,
    ...(settings.TWILIO_STATUS_CALLBACK_URL && {
      statusCallbackUrl: settings.TWILIO_STATUS_CALLBACK_URL,
    }),
  });
  const routesOf = new WeakMap<DeliveryMessage, ProviderRoute[]>();
  const gateDeps = {
    channel,
    // Records of a batch going to one sender book together: one write for their slots.
    buckets: new BatchedBuckets(buckets, { windowMs: settings.RATE_BATCH_WINDOW_MS }),
    breakers: buckets,
    // A sender far faster than one instance sends is booked on this instance's share, no write.
    ...(settings.SENDER_MAX_CONCURRENCY !== undefined && {
      localShare: createLocalShare({
        concurrency: settings.SENDER_MAX_CONCURRENCY,
        batchSize: settings.SENDER_BATCH_SIZE,
        rateScale: settings.SENDER_RATE_SCALE,
      }),
    }),
    pools: async (message: DeliveryMessage) => {
      const pools = await Promise.all((routesOf.get(message) ?? []).map((r) => r.senders()));
      return pools.filter((pool): pool is SenderPool => pool !== undefined);
    },
    content: (message: DeliveryMessage) =>
      store.getContent(message.notificationId, channel, message.deliveryId),
    settings: { ...DEFAULT_RATE_GATE, rateScale: settings.SENDER_RATE_SCALE },
  };
  /** The provider, telling the sender's breaker about each provider-side failure. */
  const observed = (provider: ChannelProvider, key: string | undefined): ChannelProvider => {
    if (key === undefined) return provider;
    return {
      channel: provider.channel,
      async send(message, options) {
        try {
          return await provider.send(message, options);
        } catch (error) {
          if (error instanceof ProviderError && providerSideFailure(error)) {
            await buckets.failure(key, Date.now(), DEFAULT_BREAKER).catch(() => undefined);
          }
          throw error;
        }
      },
    };
  };

  return {
    buckets,
    async check(record, message, lane, receiveCount, deadline) {
      const routes = await router.routes(message.tenantId);
      if (routes.length === 0) return { proceed: true };
      routesOf.set(message, routes);
      const hold = readRateHold(record.messageAttributes);
      const maxInlineMs =
        deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now() - ATTEMPT_MAX_MS;
      const decision = await gateDelivery(gateDeps, {
        message,
        lane: lane.lane,
        receiveCount,
        lastReceive: receiveCount >= settings.MAX_RECEIVE_COUNT,
        ...(hold && { hold }),
        maxInlineMs,
      });
      if (decision.action === 'send') {
        const notBefore = Date.now() + decision.waitMs;
        const route = routes[decision.route ?? 0] ?? (routes[0] as ProviderRoute);
        const chosen = decision.sender;
        if (!chosen && !route.own) return { proceed: true };
        const id = chosen?.kind === 'slack-channel' ? undefined : chosen?.id;
        return {
          proceed: true,
          // Its failures count against the sender's breaker (failover to the next one).
          // Handed out no earlier than the sender's booked slot: the wait is spent right before
          // the call (after the claim and the content read, whose latency would otherwise bunch
          // sends up), and before the call's own timeout starts (core/delivery/deliver.ts).
          provider: async () => {
            const provider = observed(await route.get(id), chosen?.key);
            const wait = notBefore - Date.now();
            if (wait > 0) await sleep(wait);
            return provider;
          },
          ...(chosen && { sender: chosen.key }),
        };
      }
      const reason = `over the send rate of ${decision.sender.key}: waits ${Math.ceil(decision.delayMs / 1000)} s`;
      if (decision.action === 'wait') {
        return { proceed: false, reason, visibilitySeconds: visibility(decision.delayMs) };
      }
      try {
        await requeueForRate(clients.sqs, lane.url, record.body, decision.delayMs, decision.hold);
        return { proceed: false, reason };
      } catch {
        // The copy could not be queued: this message itself waits (one receive of its budget).
        return { proceed: false, reason, visibilitySeconds: visibility(decision.delayMs) };
      }
    },
  };
}

/** Seconds for ChangeMessageVisibility: SQS takes at most 12 hours. */
function visibility(delayMs: number): number {
  return Math.min(43_200, Math.max(0, Math.ceil(delayMs / 1000)));
}
