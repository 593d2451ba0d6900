import * as z from 'zod/mini';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { CHANNELS, type Channel } from '../shared/vocabulary';
import { parseDuration } from './duration';
import type { RunRecipient, Step, WorkflowDefinition } from './model';

/*
 * POST /v1/notifications with `routing: {method: "first", channels, timeout}`: try the channels
 * in order, each until it is delivered (for push and MQTT: sent) or `timeout` passes or it fails,
 * then the next. It is a workflow run like any other (send -> waitFor -> branch), built here.
 */

export const routingSchema = z.strictObject({
  method: z.literal('first'),
  channels: z.array(z.enum(CHANNELS)).check(z.minLength(1), z.maxLength(CHANNELS.length)),
  timeout: z
    .string()
    .check(
      z.refine((v: string) => parseDuration(v) !== undefined, 'must be a duration: 30s, 10m, 2h'),
    ),
});
export type Routing = z.output<typeof routingSchema>;

/** The recipient field of each channel's block in a send request. */
const ADDRESS_FIELD: Record<Channel, string> = {
  email: 'to',
  sms: 'to',
  whatsapp: 'to',
  push: 'tokens',
  slack: 'channel',
  mqtt: 'topic',
};

/** The routing, the one recipient it reaches and each channel's content; 400 with paths otherwise. */
export function parseRouting(body: Record<string, unknown>): {
  routing: Routing;
  recipient: RunRecipient;
  content: Partial<Record<Channel, Record<string, unknown>>>;
} {
  const errors: FieldError[] = [];
  const parsed = validateAt(routingSchema, body.routing, ['routing'], errors);
  if (!parsed) throw new InvalidRequestError(errors);
  const blocks = (body.channels ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const recipient: RunRecipient = { id: 'routing' };
  const content: Partial<Record<Channel, Record<string, unknown>>> = {};
  parsed.value.channels.forEach((channel, i) => {
    const block = blocks[channel];
    if (!block) {
      errors.push({ path: `routing.channels[${i}]`, message: `has no block in channels` });
      return;
    }
    const field = ADDRESS_FIELD[channel];
    const { [field]: raw, ...rest } = block;
    const addresses = Array.isArray(raw) ? raw : [raw];
    if (addresses.length !== 1 || typeof addresses[0] !== 'string') {
      errors.push({
        path: `channels.${channel}.${field}`,
        message: 'must name exactly one recipient with routing',
      });
      return;
    }
    recipient[channel] = addresses[0];
    content[channel] = rest;
  });
  for (const channel of Object.keys(blocks)) {
    if (!parsed.value.channels.includes(channel as Channel)) {
      errors.push({ path: `channels.${channel}`, message: 'is not in routing.channels' });
    }
  }
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return { routing: parsed.value, recipient, content };
}

/**
 * send c1 -> waitFor delivered -> if not met: send c2 -> ... (the last one is not waited for).
 * Each send carries the channel's inline content, or the template (rendered per recipient).
 */
export function routingDefinition(
  routing: Routing,
  source:
    | { content: Partial<Record<Channel, Record<string, unknown>>> }
    | { template: { key: string; version?: number } },
  priority: 'high' | 'normal',
  category?: string,
): WorkflowDefinition {
  const chain = (index: number): Step[] => {
    const channel = routing.channels[index] as Channel;
    const send: Step = {
      id: `send-${channel}`,
      type: 'send',
      channels: [channel],
      ...('template' in source
        ? { template: source.template }
        : { content: { [channel]: source.content[channel] ?? {} } }),
      ...(category !== undefined && { category }),
    };
    if (index === routing.channels.length - 1) return [send];
    return [
      send,
      {
        id: `wait-${channel}`,
        type: 'waitFor',
        step: send.id,
        status: 'delivered',
        timeout: routing.timeout,
      },
      {
        id: `after-${channel}`,
        type: 'branch',
        if: { step: `wait-${channel}`, outcome: 'met' },
        whenTrue: [],
        whenFalse: chain(index + 1),
      },
    ];
  };
  return { steps: chain(0), ...(priority === 'high' && { critical: true }) };
}
