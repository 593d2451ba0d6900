import type { DeliveryState, HeraldEvent } from './model';

/** Reads behind the events function's completion check. */
export interface DeliveryStateReader {
  /**
   * Status and version of every delivery of a notification, strongly consistent. May stop early
   * at the first delivery that is not final (the answer then holds at least that one).
   */
  deliveryStates(notificationId: string): Promise<DeliveryState[]>;
}

/**
 * Whether a notification's ingest committed. Ingest writes its delivery records — page items for
 * the deliveries to send (their items are created at the claim), an item for each `skipped` one —
 * before the notification item, and deletes them if that write fails: a delivery item inserted
 * already final is only an event once the notification item exists.
 * `committed`: the notification item exists; `pending`: not yet, but the delivery item does
 * (ingest is still writing); `discarded`: neither (ingest failed and took it back).
 */
export interface IngestCommits {
  commitState(
    notificationId: string,
    deliveryId: string,
  ): Promise<'committed' | 'pending' | 'discarded'>;
}

/** The operators' topic (SNS): every event, with attributes to filter on. */
export interface EventTopic {
  publish(events: readonly HeraldEvent[]): Promise<void>;
}
