import { CHANNELS, type Channel, type DeliveryStatus } from '../notifications/model';
import type { Clock } from '../notifications/ports';
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
  /** As the message named it (tags, callback URL): the suppression takes the stored one. */
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
  /** The provider's id of the message the report is about (SES MessageId, Twilio MessageSid). */
  providerMessageId?: string;
  /** When the provider says it happened: logged, never Herald's clock (see ReportDependencies). */
  occurredAt: number;
}

export type ReportResult =
  /** The status moved (or the detail was recorded). */
  | { result: 'applied'; status: DeliveryStatus; suppressed: boolean }
  /**
   * Late, duplicated or about another attempt's message: the delivery is already past this
   * report, or records another message; nothing moved back.
   */
  | { result: 'stale'; status: DeliveryStatus; suppressed: boolean }
  /** No such delivery: not one of Herald's messages, or expired. */
  | { result: 'unknown' };

export interface ReportDependencies {
  store: DeliveryRepository;
  suppressions: SuppressionList;
  /** Herald's clock: it stamps updatedAt and a suppression's createdAt, never the provider's. */
  now?: Clock;
}

/**
 * Where a report's status may move a delivery from: the statuses a report may still move, and
 * `failed` for a confirmation (failed -> delivered): an attempt Herald recorded "outcome unknown"
 * and then gave up on was delivered after all, and the provider's word wins over Herald's guess
 * (a replay then finds nothing to send again).
 */
const REPORTED_FROM: readonly DeliveryStatus[] = [...REPORTABLE, 'failed'];

/** The channel a delivery id belongs to (`<channel>#<n>`), if it names one. */
export function channelOfDelivery(deliveryId: string): Channel | undefined {
  const channel = deliveryId.split('#', 1)[0];
  return CHANNELS.find((c) => c === channel);
}

/**
 * Applies one provider report, forward only: the status changes by a conditional write from the
 * statuses that may precede it (`sending` included: a report can beat the sender's own write of
 * `sent`, and it proves the provider accepted the message). A late or duplicated report finds
 * the delivery already past it and changes nothing but a detail; a report about another attempt's
 * message (its id is not the one recorded) changes nothing at all. Only the write that applied
 * takes a suppression, for the tenant recorded on the delivery: a duplicated report, or a captured
 * callback sent again after an admin lifted the entry, suppresses nothing.
 */
export async function applyProviderReport(
  deps: ReportDependencies,
  report: ProviderReport,
): Promise<ReportResult> {
  const channel = channelOfDelivery(report.deliveryId);
  if (!channel) return { result: 'unknown' };
  const now = (deps.now ?? Date.now)();
  const target = report.status;
  const about = report.providerMessageId !== undefined && {
    providerMessageId: report.providerMessageId,
  };
  const addDetail = (status: DeliveryStatus) =>
    deps.store.applyReport(report.notificationId, report.deliveryId, {
      from: [status],
      providerDetail: report.detail,
      ...about,
      now,
    });
  // A report that proves a status and adds a detail (WhatsApp `read`: delivered, read at ...)
  // usually finds the delivery at that status already: one write records the detail, where a
  // status change first would be a failed conditional write (still a write unit) and then this.
  if (target && report.detail !== undefined && !report.suppress) {
    const detail = await addDetail(target);
    if ('missing' in detail) return { result: 'unknown' };
    if (detail.applied) return { result: 'applied', status: target, suppressed: false };
  }
  const from = target ? REPORTED_FROM.filter((s) => canTransition(s, target)) : REPORTABLE;
  const write = await deps.store.applyReport(report.notificationId, report.deliveryId, {
    ...(target && { status: target }),
    from,
    ...(report.reason !== undefined && { lastError: report.reason }),
    ...(report.detail !== undefined && { providerDetail: report.detail }),
    ...about,
    now,
  });
  if ('missing' in write) return { result: 'unknown' };

  const otherMessage =
    report.providerMessageId !== undefined &&
    write.providerMessageId !== undefined &&
    write.providerMessageId !== report.providerMessageId;
  let applied = write.applied;
  // `read` after `delivered`, a delay after a delivery: the status stays, the detail is kept.
  if (!applied && !otherMessage && report.detail !== undefined) {
    if (REPORTABLE.includes(write.status)) applied = (await addDetail(write.status)).applied;
  }

  let suppressed = false;
  if (report.suppress && write.applied) {
    const tenantId = write.tenantId ?? (await deps.store.getTenant(report.notificationId));
    if (tenantId !== undefined) {
      await deps.suppressions.add({
        tenantId,
        channel,
        recipient: normalizeRecipient(channel, write.recipient),
        reason: report.suppress,
        source: report.source,
        createdAt: new Date(now).toISOString(),
      });
      suppressed = true;
    }
  }
  const status = write.applied && target ? target : write.status;
  return applied
    ? { result: 'applied', status, suppressed }
    : { result: 'stale', status, suppressed };
}
