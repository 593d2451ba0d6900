import type { Channel } from '../notifications/model';

/** Where a dead letter waits: a channel's DLQ (both lanes share it), or the schedule DLQ. */
export type DeadLetterSource = Channel | 'schedule';

/** One message held out of view in a DLQ. */
export interface DeadLetter {
  messageId: string;
  body: string;
  /** When SQS first accepted the message (ISO-8601). */
  sentAt: string;
  /** Receives so far, as SQS counts them (in the work queue, then each look at the DLQ). */
  receiveCount: number;
  /** Opaque handle to delete or release this receive of it. */
  receipt: string;
}

/**
 * The dead-letter queues. A replay takes messages out of view, decides, then deletes the ones it
 * handled and releases the rest, so a crash mid-way leaves every message where it was.
 */
export interface DeadLetterQueues {
  /** The DLQs this deployment has. */
  readonly sources: readonly DeadLetterSource[];
  /** Up to `max` (<= 10) visible messages, held out of view for `holdSeconds`; [] when none. */
  receive(source: DeadLetterSource, max: number, holdSeconds: number): Promise<DeadLetter[]>;
  /** Removes handled messages for good. */
  delete(source: DeadLetterSource, receipts: readonly string[]): Promise<void>;
  /** Puts held messages back in view at once. */
  release(source: DeadLetterSource, receipts: readonly string[]): Promise<void>;
  /**
   * Moves every message back to the queue it was dead-lettered from (SQS StartMessageMoveTask)
   * and returns the task handle. Absent where the queue implementation cannot.
   */
  moveAll?: (source: DeadLetterSource) => Promise<string>;
}
