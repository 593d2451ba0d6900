import type { Channel, DeliveryStatus } from '../notifications/model';
import type { DeliverySeed, NotificationRepository } from '../notifications/ports';
import type { SuppressionEntry } from '../suppressions/model';

/*
 * Ports of the provider-feedback loop: the conditional report write on the repository and the
 * tenant's suppression list (functions/adapters/dynamodb implements both).
 */

/** One conditional write of a provider report (see DeliveryRepository.applyReport). */
export interface ReportChange {
  /** The new status; absent for a detail-only report. */
  status?: DeliveryStatus;
  /** Statuses the write may start from. */
  from: readonly DeliveryStatus[];
  lastError?: string;
  providerDetail?: string;
  /**
   * The provider's id of the message the report is about. The write then applies only to a
   * delivery that records this id, or none yet (a report can beat the sender's own write), and
   * records it: a report about another attempt's message never moves this one.
   */
  providerMessageId?: string;
  /** Herald's clock (updatedAt), never the provider's timestamp: updatedAt only moves forward. */
  now: number;
}

/** What a report write found of the stored delivery. */
export interface StoredDelivery {
  recipient: string;
  status: DeliveryStatus;
  /** The tenant recorded at ingest (deliveries written before it was recorded have none). */
  tenantId?: string;
  /** The provider's id of the message its last accepted attempt sent, if recorded. */
  providerMessageId?: string;
}

/** What a report write found: applied, or what stopped it (status, another message), or nothing. */
export type ReportWrite =
  | ({ applied: true } & StoredDelivery)
  | ({ applied: false } & StoredDelivery)
  | { applied: false; missing: true };

/** A tenant's suppression list (per channel, per normalized recipient). */
export interface SuppressionList {
  /**
   * Which of these recipients are suppressed, as suppressionKey()s, in as few reads as the store
   * allows (one batch read per call): the channel functions call it once per SQS batch.
   */
  findSuppressed(
    tenantId: string,
    recipients: readonly { channel: Channel; recipient: string }[],
  ): Promise<Set<string>>;
  /** Adds an entry unless one exists (the first reason and time stay); true when it was added. */
  add(entry: SuppressionEntry): Promise<boolean>;
  /** Removes an entry; false when there was none. */
  remove(tenantId: string, channel: Channel, recipient: string): Promise<boolean>;
  /** The tenant's entries, optionally one channel, in pages. */
  list(
    tenantId: string,
    options: { channel?: Channel; cursor?: string; limit: number },
  ): Promise<{ items: SuppressionEntry[]; nextCursor?: string }>;
}

/** The notification store as the delivery use-cases see it: it also applies reports. */
export interface DeliveryRepository extends NotificationRepository {
  /**
   * Moves the delivery from one of `change.from` to `change.status` (when given) and sets the
   * other fields, in one conditional write; answers what it found. The sender's own outcome
   * (`sending -> sent | delivered | suppressed`) and every provider report go through it.
   */
  applyReport(
    notificationId: string,
    deliveryId: string,
    change: ReportChange,
  ): Promise<ReportWrite>;
  /**
   * -> failed (`exhausted`) from scheduled or queued, or from sending only while no attempt holds
   * the lease (it waits for a retry, or its sender died): never under a send in flight.
   */
  failUnlessInFlight(
    notificationId: string,
    deliveryId: string,
    reason: string,
    now: number,
    seed?: DeliverySeed,
  ): Promise<boolean>;
}
