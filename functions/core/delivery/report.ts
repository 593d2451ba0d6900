import { CHANNELS, type Channel, type DeliveryStatus } from '../notifications/model';
import { canTransition, REPORTABLE } from '../notifications/status';
import { normalizeRecipient, type SuppressionReason } from '../suppressions/model';
import type { DeliveryRepository, SuppressionList } from './report-ports';

/** The statuses provider feedback can set. */
export type ReportedStatus = 'delivered' | 'bounced' | 'complained' | 'undelivered' | 'failed';

/**
 * One provider report (an SES event, a Twilio status callback), already mapped to Herald's
 * terms by its adapter. The ids come from the message tags or the callback URL Herald set.
 */
export interface ProviderReport {
  notificationId: string;
  deliveryId: string;
  tenantId: string;
  /** Where it came from, for logs and the suppression entry: `ses:Bounce:Permanent`. */
  source: string;
  /** The status it proves; absent when it only adds a detail (transient bounce, delay). */
  status?: ReportedStatus;
  /** Kept on the delivery as `providerDetail` (`read`, `transient bounce: ...`). */
  detail?: string;
  /** Kept as `lastError` when the report is a failure. */
  reason?: string;
  /** Put the recipient on the tenant's suppression list, for this reason. */
  suppress?: SuppressionReason;
  providerMessageId?: string;
  occurredAt: number;
}

export type ReportResult =
  /** The status moved (or the detail was recorded). */
  | { result: 'applied'; status: DeliveryStatus; suppressed: boolean }
  /** Late or duplicated: the delivery is already past this report; nothing moved back. */
  | { result: 'stale'; status: DeliveryStatus; suppressed: boolean }
  /** No such delivery: not one of Herald's messages, or expired. */
  | { result: 'unknown' };

export interface ReportDependencies {
  store: DeliveryRepository;
  suppressions: SuppressionList;
}

/** The channel a delivery id belongs to (`<channel>#<n>`), if it names one. */
export function channelOfDelivery(deliveryId: string): Channel | undefined {
  const channel = deliveryId.split('#', 1)[0];
  return CHANNELS.find((c) => c === channel);
}

/**
 * Applies one provider report, forward only: the status changes by a conditional write from the
 * statuses that may precede it (`sending` included: a report can beat the sender's own write of
 * `sent`, and it proves the provider accepted the message). A late or duplicated report finds
 * the delivery already past it and changes nothing but a detail. Suppression is idempotent: a
 * duplicated bounce finds the entry there and leaves it as the first one wrote it.
 */
export async function applyProviderReport(
  deps: ReportDependencies,
  report: ProviderReport,
): Promise<ReportResult> {
  const channel = channelOfDelivery(report.deliveryId);
  if (!channel) return { result: 'unknown' };
  const target = report.status;
  // A report that proves a status and adds a detail (WhatsApp `read`: delivered, read at ...)
  // usually finds the delivery at that status already: one write records the detail, where a
  // status change first would be a failed conditional write (still a write unit) and then this.
  if (target && report.detail !== undefined && !report.suppress) {
    const detail = await deps.store.applyReport(report.notificationId, report.deliveryId, {
      from: [target],
      providerDetail: report.detail,
      now: report.occurredAt,
    });
    if ('missing' in detail) return { result: 'unknown' };
    if (detail.applied) return { result: 'applied', status: target, suppressed: false };
  }
  const from = target ? REPORTABLE.filter((s) => canTransition(s, target)) : REPORTABLE;
  const write = await deps.store.applyReport(report.notificationId, report.deliveryId, {
    ...(target && { status: target }),
    from,
    ...(report.reason !== undefined && { lastError: report.reason }),
    ...(report.detail !== undefined && { providerDetail: report.detail }),
    ...(report.providerMessageId !== undefined && {
      providerMessageId: report.providerMessageId,
    }),
    now: report.occurredAt,
  });
  if ('missing' in write) return { result: 'unknown' };

  let applied = write.applied;
  // `read` after `delivered`, a delay after a delivery: the status stays, the detail is kept.
  if (!applied && report.detail !== undefined && REPORTABLE.includes(write.status)) {
    const detail = await deps.store.applyReport(report.notificationId, report.deliveryId, {
      from: [write.status],
      providerDetail: report.detail,
      now: report.occurredAt,
    });
    applied = detail.applied;
  }

  // A redelivered report whose first run died between the two writes still suppresses.
  const reached = applied || write.status === target;
  let suppressed = false;
  if (report.suppress && reached) {
    await deps.suppressions.add({
      tenantId: report.tenantId,
      channel,
      recipient: normalizeRecipient(channel, write.recipient),
      reason: report.suppress,
      source: report.source,
      createdAt: new Date(report.occurredAt).toISOString(),
    });
    suppressed = true;
  }
  const status = write.applied && target ? target : write.status;
  return applied
    ? { result: 'applied', status, suppressed }
    : { result: 'stale', status, suppressed };
}
