import type { DeliveryStatus } from '../notifications/model';
import type { AggregateStatus } from '../notifications/status';

/** Events about a notification as a whole (not one delivery). */

/** Every delivery of a notification is final (status.ts FINAL). */
export interface NotificationCompletedEvent {
  id: string;
  type: 'notification.completed';
  occurredAt: string;
  tenantId: string;
  notificationId: string;
  status: AggregateStatus;
  counts: Partial<Record<DeliveryStatus, number>>;
  deliveries: number;
  metadata: Record<string, string>;
}

/** A topic send's fan-out ended (core/topics/events.ts). */
export const FANOUT_EVENT_TYPES = ['notification.fanout_completed'] as const;

/**
 * The end of a topic send's fan-out: `done` (every subscriber handled) or `cancelled` (stopped by
 * DELETE), with how many subscribers were read and how many deliveries enqueued and skipped.
 */
export interface FanoutCompletedEvent {
  id: string;
  type: (typeof FANOUT_EVENT_TYPES)[number];
  occurredAt: string;
  tenantId: string;
  notificationId: string;
  topic: string;
  status: 'done' | 'cancelled';
  total: number;
  enqueued: number;
  skipped: number;
  metadata: Record<string, string>;
}
