import type { FieldError, PathSegment } from '../shared/field-errors';
import { formatPath } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import type { RunRecipient, SendStep } from './model';

/*
 * A send step for one recipient as a POST /v1/notifications body: the step's content per
 * channel plus the recipient's address on it. The body then goes through the same validation and
 * ingest as any notification.
 */

/** Addresses that pass validation, to check a definition's content before any recipient exists. */
export const SAMPLE_RECIPIENT: RunRecipient = {
  id: 'sample',
  email: 'sample@example.com',
  sms: '+14155550100',
  whatsapp: '+14155550100',
  push: 'sample-token',
  slack: '#sample',
  mqtt: 'sample',
};

function block(channel: Channel, address: string, content: Record<string, unknown>) {
  switch (channel) {
    case 'push':
      return { ...content, tokens: [address] };
    case 'slack':
      return { ...content, channel: address };
    case 'mqtt':
      return { ...content, topic: address };
    default:
      return { ...content, to: [address] };
  }
}

/** The channels of the step the recipient can be reached on, in the step's order. */
export function reachableChannels(step: SendStep, recipient: RunRecipient): Channel[] {
  const reachable = (step.channels ?? []).filter(
    (c) => typeof recipient[c] === 'string' && recipient[c] !== '',
  );
  return step.mode === 'first' || step.mode === 'any' ? reachable.slice(0, 1) : reachable;
}

/** Values a step's text may name until templates land: `{{data.<field>}}`, `{{digest.count}}`. */
export interface SendVariables {
  data?: Record<string, unknown>;
  digest?: { count: number };
}

/** Replaces `{{data.x}}` and `{{digest.count}}` in every string of `value` (nothing else). */
function fill(value: unknown, vars: SendVariables): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\{\{\s*(data\.[A-Za-z0-9_-]+|digest\.count)\s*\}\}/g,
      (_m, name: string) => {
        const found = name === 'digest.count' ? vars.digest?.count : vars.data?.[name.slice(5)];
        return found === undefined ? '' : typeof found === 'string' ? found : JSON.stringify(found);
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  }
  return value;
}

/** The notification body for `recipient`, or undefined when no channel reaches them. */
export function sendBody(
  step: SendStep,
  recipient: RunRecipient,
  metadata: Record<string, string>,
  priority: 'high' | 'normal' = 'normal',
  vars: SendVariables = {},
): Record<string, unknown> | undefined {
  const channels = reachableChannels(step, recipient);
  if (channels.length === 0) return undefined;
  return {
    channels: Object.fromEntries(
      channels.map((c) => [
        c,
        block(
          c,
          recipient[c] as string,
          fill(step.content?.[c] ?? {}, vars) as Record<string, unknown>,
        ),
      ]),
    ),
    priority,
    metadata,
  };
}

/** Errors of a sample send body moved to the step's own paths (`channels.sms.text` -> `…content.sms.text`). */
export function atStep(
  errors: readonly FieldError[],
  stepPath: readonly PathSegment[],
): FieldError[] {
  const base = formatPath(stepPath);
  return errors.map((e) => {
    const match = /^channels\.([a-z]+)(.*)$/.exec(e.path);
    const rest = match ? `.content.${match[1]}${match[2]}` : '';
    return { path: `${base}${rest}`, message: e.message };
  });
}

/**
 * The body of a send step with inline content to a recipient id (the routing shorthand with
 * `to`): the content per channel, the address from the profile, as POST /v1/notifications with
 * `to: [id]` and content-only blocks.
 */
export function contentToRecipientBody(
  step: SendStep,
  input: {
    recipientId: string;
    channels: Channel[];
    metadata: Record<string, string>;
    priority: 'high' | 'normal';
    vars: SendVariables;
  },
): Record<string, unknown> {
  return {
    to: [input.recipientId],
    channels: Object.fromEntries(
      input.channels.map((c) => [c, fill(step.content?.[c] ?? {}, input.vars)]),
    ),
    ...(step.category !== undefined && { category: step.category }),
    priority: input.priority,
    metadata: input.metadata,
  };
}
