import * as z from 'zod/mini';
import { type FieldError, humanMessage, toFieldErrors } from '../../shared/field-errors';
import { CHANNELS } from '../model';
import type { AggregateStatus } from '../status';
import { MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS } from './limits';

/** Every aggregate status, for the `status` filter (checked against the type below). */
export const AGGREGATE_STATUSES = [
  'scheduled',
  'in_progress',
  'sent',
  'delivered',
  'failed',
  'partially_failed',
  'cancelled',
] as const satisfies readonly AggregateStatus[];
// A status added to AggregateStatus but not here fails to compile.
type Missing = Exclude<AggregateStatus, (typeof AGGREGATE_STATUSES)[number]>;
const _everyStatus: Missing extends never ? true : never = true;
void _everyStatus;

export const DEFAULT_LIST_LIMIT = 25;
export const MAX_LIST_LIMIT = 100;
const MAX_CURSOR_CHARS = 512;

const instant = z.iso
  .datetime({ offset: true })
  .check(z.describe('ISO-8601 date-time with an offset or Z, e.g. 2030-01-01T09:00:00Z'));

/**
 * The query string of `GET /v1/notifications`, minus the one `metadata.<key>` filter (its name is
 * the client's, so it is read apart and documented in the operation).
 */
export const listQuerySchema = z.strictObject({
  status: z
    .optional(z.enum(AGGREGATE_STATUSES))
    .check(z.describe('aggregate status of the notification')),
  channel: z.optional(z.enum(CHANNELS)).check(z.describe('only notifications with this channel')),
  from: z.optional(instant).check(z.describe('created at or after (ISO-8601)')),
  to: z.optional(instant).check(z.describe('created at or before (ISO-8601)')),
  limit: z
    ._default(
      z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_LIST_LIMIT)),
      DEFAULT_LIST_LIMIT,
    )
    .check(z.describe(`items per page, 1-${MAX_LIST_LIMIT}`)),
  cursor: z
    .optional(z.string().check(z.minLength(1), z.maxLength(MAX_CURSOR_CHARS)))
    .check(z.describe('nextCursor of the previous page')),
});

/** A validated list query. Times are epoch milliseconds. */
export interface ListQuery {
  status?: AggregateStatus;
  channel?: (typeof CHANNELS)[number];
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
  metadata?: { key: string; value: string };
}

export type ListQueryResult = { ok: true; value: ListQuery } | { ok: false; errors: FieldError[] };

const METADATA_PREFIX = 'metadata.';

/**
 * Validates the query string (`null` when there is none, as API Gateway sends it). `repeated`
 * names parameters given more than once, which are refused rather than guessed between.
 */
export function parseListQuery(
  query: Record<string, string | undefined> | null,
  repeated: readonly string[] = [],
): ListQueryResult {
  const errors: FieldError[] = repeated.map((name) => ({
    path: name,
    message: 'must be given once',
  }));
  const plain: Record<string, string> = {};
  const metadata: { key: string; value: string }[] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (name.startsWith(METADATA_PREFIX))
      metadata.push({ key: name.slice(METADATA_PREFIX.length), value });
    else plain[name] = value;
  }
  if (metadata.length > 1) {
    for (const { key } of metadata.slice(1)) {
      errors.push({
        path: `${METADATA_PREFIX}${key}`,
        message: 'only one metadata filter is allowed',
      });
    }
  }
  const filter = metadata[0];
  if (filter) {
    const path = `${METADATA_PREFIX}${filter.key}`;
    if (filter.key === '' || filter.key.length > MAX_METADATA_KEY_CHARS) {
      errors.push({ path, message: `key must be 1-${MAX_METADATA_KEY_CHARS} characters` });
    }
    if (filter.value.length > MAX_METADATA_VALUE_CHARS) {
      errors.push({ path, message: `must be at most ${MAX_METADATA_VALUE_CHARS} characters` });
    }
  }
  const parsed = listQuerySchema.safeParse(plain, { error: humanMessage });
  if (!parsed.success) errors.push(...toFieldErrors(parsed.error.issues));
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  const { status, channel, from, to, limit, cursor } = parsed.data;
  const value: ListQuery = { limit };
  if (status) value.status = status;
  if (channel) value.channel = channel;
  if (from) value.from = Date.parse(from);
  if (to) value.to = Date.parse(to);
  if (cursor) value.cursor = cursor;
  if (filter) value.metadata = filter;
  if (value.from !== undefined && value.to !== undefined && value.from > value.to) {
    return { ok: false, errors: [{ path: 'to', message: 'must not be before from' }] };
  }
  return { ok: true, value };
}
