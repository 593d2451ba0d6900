import * as z from 'zod/mini';
import { DEFAULT_MAX_SCHEDULE_AHEAD_MS, SEND_AT_PAST_TOLERANCE_MS } from './limits';
import type { ValidationOptions } from './options';

/* `sendAt`, shared by both API shapes: an instant with an offset, within the scheduling window. */

const OFFSET_DATE_TIME = z.iso.datetime({ offset: true });
const LOCAL_DATE_TIME = z.iso.datetime({ local: true });

function describeDuration(ms: number): string {
  const minute = 60_000;
  const day = 24 * 60 * minute;
  if (ms % day === 0) return `${ms / day} days`;
  if (ms % minute === 0) return `${ms / minute} minutes`;
  return `${ms} ms`;
}

/** ISO-8601 with an offset -> epoch ms, inside [now - tolerance, now + max ahead]. */
export function sendAtSchema(options: ValidationOptions) {
  const maxAhead = options.maxScheduleAheadMs ?? DEFAULT_MAX_SCHEDULE_AHEAD_MS;
  return z.pipe(
    z.string(),
    z.transform((value: string, ctx) => {
      const problem = (message: string) => {
        ctx.issues.push({ code: 'custom', message, input: value });
        return z.NEVER;
      };
      if (!OFFSET_DATE_TIME.safeParse(value).success) {
        // A time without an offset means a different instant on every server: refused, not guessed.
        return LOCAL_DATE_TIME.safeParse(value).success
          ? problem('must include a time-zone offset or Z, like 2030-01-01T09:00:00Z')
          : problem('must be an ISO-8601 date-time like 2030-01-01T09:00:00Z');
      }
      const at = Date.parse(value);
      if (Number.isNaN(at))
        return problem('must be an ISO-8601 date-time like 2030-01-01T09:00:00Z');
      if (at < options.now - SEND_AT_PAST_TOLERANCE_MS) {
        return problem(
          `must not be more than ${describeDuration(SEND_AT_PAST_TOLERANCE_MS)} in the past`,
        );
      }
      if (at > options.now + maxAhead) {
        return problem(`must not be more than ${describeDuration(maxAhead)} in the future`);
      }
      return at;
    }),
  );
}
