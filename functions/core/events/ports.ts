import type { DeliveryState, HeraldEvent } from './model';

/** Reads behind the events function's completion check. */
export interface DeliveryStateReader {
  /**
   * Status and version of every delivery of a notification, strongly consistent. May stop early
   * at the first delivery that is not final (the answer then holds at least that one).
   */
  deliveryStates(notificationId: string): Promise<DeliveryState[]>;
}

/** The operators' topic (SNS): every event, with attributes to filter on. */
export interface EventTopic {
  publish(events: readonly HeraldEvent[]): Promise<void>;
}
