import { mapWithConcurrency } from '../shared/concurrency';
import { InvalidRequestError } from '../shared/errors';
import type { Channel, DeliveryStatus, Priority } from './model';
import type { IndexedNotification, NotificationIndex } from './ports';
import type { ListQuery } from './requests/list-query';
import { type AggregateStatus, aggregateStatus } from './status';

/** One notification in a list: who, when, which channels, where it stands overall. */
export interface NotificationSummary {
  id: string;
  status: AggregateStatus;
  createdAt: string;
  sendAt?: string;
  priority: Priority;
  metadata?: Record<string, string>;
  channels: Channel[];
  deliveries: number;
  counts: Partial<Record<DeliveryStatus, number>>;
  byChannel: Partial<Record<Channel, Partial<Record<DeliveryStatus, number>>>>;
}

export interface NotificationPage {
  items: NotificationSummary[];
  nextCursor?: string;
}

/**
 * With a status filter most rows may not match: a request reads at most this many index rows (and
 * their deliveries) and then answers what it found with a cursor, possibly with fewer items than
 * asked for, so one call's cost stays bounded.
 */
export const MAX_ROWS_EXAMINED = 200;
/** Index queries one request makes at most. */
export const MAX_INDEX_CALLS = 5;
/** Delivery reads in flight at once while a page's statuses are worked out. */
const STATUS_READS_PARALLEL = 16;

/** A cursor is the position of the last row examined, base64url-encoded JSON. */
function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position }), 'utf8').toString('base64url');
}

const POSITION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z#[0-9A-Za-z-]{1,64}$/;

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const position = (parsed as { v?: unknown; p?: unknown } | null)?.p;
    if (
      (parsed as { v?: unknown }).v === 1 &&
      typeof position === 'string' &&
      POSITION.test(position)
    ) {
      return position;
    }
  } catch {
    // falls through to the 400
  }
  throw new InvalidRequestError([{ path: 'cursor', message: 'is not a cursor this API issued' }]);
}

/**
 * GET /v1/notifications: the tenant's notifications, newest first. The index answers the time,
 * channel and metadata filters; the aggregate status comes from each listed notification's
 * deliveries (one read per notification), so it is never stale and costs no write per status
 * change. The partition is always the caller's tenant: a cursor only says where to resume in it.
 */
export async function listNotifications(
  index: NotificationIndex,
  tenantId: string,
  query: ListQuery,
): Promise<NotificationPage> {
  let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const items: NotificationSummary[] = [];
  let examined = 0;
  let more = true;
  // A sparse channel or metadata filter is answered by the index, which may return few rows per
  // call: the calls are bounded too, and the cursor carries on from where they stopped.
  for (
    let calls = 0;
    items.length < query.limit && examined < MAX_ROWS_EXAMINED && more && calls < MAX_INDEX_CALLS;
    calls++
  ) {
    const want = Math.min(query.limit - items.length, MAX_ROWS_EXAMINED - examined);
    const page = await index.page(tenantId, {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.channel ? { channel: query.channel } : {}),
      ...(query.metadata ? { metadata: query.metadata } : {}),
      ...(after ? { after } : {}),
      limit: want,
    });
    const summaries = await mapWithConcurrency(page.rows, STATUS_READS_PARALLEL, async (row) =>
      summarize(row, await index.deliveryStatuses(row.id)),
    );
    let stoppedEarly = false;
    for (const [i, summary] of summaries.entries()) {
      examined++;
      after = (page.rows[i] as IndexedNotification).position;
      if (!query.status || summary.status === query.status) items.push(summary);
      if (items.length === query.limit) {
        stoppedEarly = i < summaries.length - 1;
        break;
      }
    }
    if (stoppedEarly) break;
    more = page.lastPosition !== undefined;
    if (page.lastPosition) after = page.lastPosition;
  }
  const mayHaveMore = more && after !== undefined;
  return { items, ...(mayHaveMore && after ? { nextCursor: encodeCursor(after) } : {}) };
}

function summarize(
  row: IndexedNotification,
  deliveries: { channel: Channel; status: DeliveryStatus }[],
): NotificationSummary {
  const counts: Partial<Record<DeliveryStatus, number>> = {};
  const byChannel: NotificationSummary['byChannel'] = {};
  for (const { channel, status } of deliveries) {
    counts[status] = (counts[status] ?? 0) + 1;
    const perChannel = byChannel[channel] ?? {};
    perChannel[status] = (perChannel[status] ?? 0) + 1;
    byChannel[channel] = perChannel;
  }
  return {
    id: row.id,
    status: aggregateStatus(deliveries.map((d) => d.status)),
    createdAt: row.createdAt,
    ...(row.sendAt ? { sendAt: row.sendAt } : {}),
    priority: row.priority,
    ...(row.metadata ? { metadata: row.metadata } : {}),
    channels: row.channels,
    deliveries: row.deliveryCount,
    counts,
    byChannel,
  };
}
