import type { Channel } from '../shared/vocabulary';
import type { Condition, RunRecipient, WaitOutcome, WaitStatus } from './model';

/*
 * What a `waitFor` decides from recorded delivery statuses, and what a branch decides. Pure:
 * the stream bridge and the run both call these with what the table holds.
 */

/** Channels whose last success is `sent`: they report nothing back, so `sent` means delivered. */
const NO_RECEIPTS: readonly Channel[] = ['push', 'mqtt'];
const SENT_OR_LATER = ['sent', 'delivered', 'bounced', 'complained', 'undelivered'];
const FAILURES = ['failed', 'bounced', 'undelivered'];
/** Statuses after which a delivery changes no more, for the purpose of a wait. */
const FINAL = [
  'delivered',
  'failed',
  'cancelled',
  'suppressed',
  'bounced',
  'complained',
  'undelivered',
  // A recipient who opted out or has no healthy address: nothing more will happen to it.
  'skipped',
];

/** Whether one delivery at `status` meets the wait (`met`), never can (`notMet`), or may yet. */
export function deliveryOutcome(
  wanted: WaitStatus,
  channel: Channel,
  status: string,
): 'met' | 'notMet' | undefined {
  const final = FINAL.includes(status) || (NO_RECEIPTS.includes(channel) && status === 'sent');
  let met: boolean;
  switch (wanted) {
    case 'sent':
      met = SENT_OR_LATER.includes(status);
      break;
    case 'delivered':
      met = status === 'delivered' || (NO_RECEIPTS.includes(channel) && status === 'sent');
      break;
    case 'failed':
      met = FAILURES.includes(status);
      break;
    default:
      met = status === wanted;
  }
  if (met) return 'met';
  return final ? 'notMet' : undefined;
}

/**
 * A send step's deliveries together: met as soon as one meets the wait, notMet once every one
 * is settled without meeting it (an FCM UNREGISTERED ends a wait for `delivered` at once).
 */
export function stepOutcome(
  wanted: WaitStatus,
  deliveries: readonly { channel: Channel; status: string }[],
): 'met' | 'notMet' | undefined {
  const outcomes = deliveries.map((d) => deliveryOutcome(wanted, d.channel, d.status));
  if (outcomes.includes('met')) return 'met';
  if (deliveries.length === 0 || outcomes.every((o) => o === 'notMet')) return 'notMet';
  return undefined;
}

/** The value at `data.a.b` / `recipient.x` (a recipient's attributes are under recipient.*). */
function valueAt(
  path: string,
  scope: { data: Record<string, unknown>; recipient: RunRecipient },
): unknown {
  const [root, ...rest] = path.split('.');
  let value: unknown =
    root === 'data'
      ? scope.data
      : { ...scope.recipient.attributes, ...scope.recipient, attributes: undefined };
  for (const key of rest) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whether a branch takes `then`; `outcomes` holds the wait outcomes decided so far. */
export function evaluate(
  condition: Condition,
  scope: {
    data: Record<string, unknown>;
    recipient: RunRecipient;
    outcomes: Record<string, WaitOutcome>;
  },
): boolean {
  if ('step' in condition) return scope.outcomes[condition.step] === condition.outcome;
  const value = valueAt(condition.path, scope);
  if (condition.exists !== undefined && (value !== undefined) !== condition.exists) return false;
  if ('equals' in condition && condition.equals !== undefined) {
    return JSON.stringify(value) === JSON.stringify(condition.equals);
  }
  return condition.exists !== undefined || Boolean(value);
}
