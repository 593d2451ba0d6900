import * as z from 'zod/mini';
import { categoryKey } from '../recipients/validation';
import { CHANNELS } from '../shared/vocabulary';
import { TEMPLATE_KEY_MESSAGE, TEMPLATE_KEY_PATTERN } from '../templates/model';
import { parseClock, parseDuration } from './duration';
import { WAIT_OUTCOMES, WAIT_STATUSES } from './model';

/* The zod shapes of a definition's fields, per step type (the documented body and the parser). */

const id = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -'));
const duration = z
  .string()
  .check(
    z.refine((v: string) => parseDuration(v) !== undefined, 'must be a duration: 30s, 10m, 2h, 7d'),
  );
const clock = z
  .string()
  .check(z.refine((v: string) => parseClock(v) !== undefined, 'must be HH:MM'));
const timezone = z.string().check(z.refine(isTimeZone, 'must be an IANA time zone'));
const dataPath = z
  .string()
  .check(
    z.regex(/^(data|recipient)(\.[A-Za-z0-9_-]+)+$/, 'must be data.<field> or recipient.<field>'),
  );
export const quietHoursSchema = z.strictObject({
  start: clock,
  end: clock,
  timezone: z.optional(timezone),
});

export const stepSchemas = {
  send: z.strictObject({
    id,
    type: z.literal('send'),
    channels: z.optional(
      z.array(z.enum(CHANNELS)).check(z.minLength(1), z.maxLength(CHANNELS.length)),
    ),
    mode: z.optional(z.enum(['all', 'any', 'first'])),
    template: z.optional(
      z.strictObject({
        key: z.string().check(z.regex(TEMPLATE_KEY_PATTERN, TEMPLATE_KEY_MESSAGE)),
        version: z.optional(z.int().check(z.minimum(1))),
      }),
    ),
    content: z.optional(z.partialRecord(z.enum(CHANNELS), z.record(z.string(), z.unknown()))),
    category: z.optional(categoryKey),
  }),
  delay: z.strictObject({
    id,
    type: z.literal('delay'),
    duration: z.optional(duration),
    until: z.optional(clock),
  }),
  waitFor: z.strictObject({
    id,
    type: z.literal('waitFor'),
    step: id,
    status: z.enum(WAIT_STATUSES),
    timeout: duration,
  }),
  branch: z.strictObject({
    id,
    type: z.literal('branch'),
    if: z.union([
      z.strictObject({ step: id, outcome: z.enum(WAIT_OUTCOMES) }),
      z.strictObject({
        path: dataPath,
        equals: z.optional(z.unknown()),
        exists: z.optional(z.boolean()),
      }),
    ]),
    whenTrue: z.array(z.unknown()),
    whenFalse: z.array(z.unknown()),
  }),
  digest: z.strictObject({
    id,
    type: z.literal('digest'),
    window: duration,
    mode: z.optional(z.enum(['fixed', 'sliding'])),
    key: z.optional(dataPath),
  }),
  throttle: z.strictObject({
    id,
    type: z.literal('throttle'),
    limit: z.number().check(z.int(), z.minimum(1), z.maximum(1_000)),
    window: duration,
    key: z.optional(dataPath),
    overflow: z.optional(z.enum(['drop', 'digest'])),
  }),
} as const;

/** The documented body of PUT /v1/workflows/{key} (branches hold steps of the same shapes). */
export const definitionSchema = z.strictObject({
  steps: z.array(z.union(Object.values(stepSchemas))).check(z.minLength(1)),
  critical: z.optional(z.boolean()),
  quietHours: z.optional(quietHoursSchema),
  description: z.optional(z.string().check(z.maxLength(500))),
});

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
