import * as z from 'zod/mini';
import type { ValidationOptions } from '../notifications/requests';
import { parseRecipientSend } from '../recipients/send-request';
import { InvalidRequestError, UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import { MAX_TRIGGER_RECIPIENTS } from './model';
import type { WorkflowEngine, WorkflowRepository } from './ports';
import { routingDefinition, routingSchema } from './routing';
import type { ReferenceLookup } from './template-sends';
import { startRunsFor, type Triggered } from './trigger';
import type { TriggerTemplateDependencies } from './trigger-recipients';

/*
 * The routing shorthand to recipient ids: `POST /v1/notifications {to: [ids | {id, ...profile}],
 * template: {key, version?}, data?, category?, routing}` or, with inline content, `{to: [ids],
 * channels: {<channel>: {content}}, category?, routing}`. One run per recipient of the same engine
 * (send -> wait for delivered -> next channel) as any workflow, its definition carried by the run;
 * each send goes through the notification API's own recipient-id path (profile addresses,
 * preferences with the category, address health, skips; the template rendered per recipient).
 */

const FIELDS = [
  'to',
  'routing',
  'template',
  'data',
  'channels',
  'category',
  'priority',
  'metadata',
];
const templateRef = z.strictObject({
  key: z.string().check(z.minLength(1), z.maxLength(128)),
  version: z.optional(z.number().check(z.int(), z.minimum(1))),
});
const toList = z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_TRIGGER_RECIPIENTS));
const priority = z.optional(z.enum(['normal', 'high']));

export interface RoutedRecipientsDependencies {
  store: WorkflowRepository;
  engine: WorkflowEngine;
  templates: TriggerTemplateDependencies;
  /** The tenant's templates and categories (existence). */
  references: ReferenceLookup;
}

/** Validates the request (400/422 with paths, nothing started) and starts one run per recipient. */
export async function routedRecipientSend(
  deps: RoutedRecipientsDependencies,
  input: {
    tenantId: string;
    body: Record<string, unknown>;
    validation: ValidationOptions;
    idempotencyKey?: string;
    now: number;
  },
): Promise<Triggered & { routing: { method: 'first'; channels: Channel[] } }> {
  const { body } = input;
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key))
      errors.push({ path: key, message: 'is not a field of a routed send to recipient ids' });
  }
  const routing = validateAt(routingSchema, body.routing, ['routing'], errors);
  validateAt(toList, body.to, ['to'], errors);
  validateAt(z.optional(z.record(z.string(), z.unknown())), body.data, ['data'], errors);
  const level = validateAt(priority, body.priority, ['priority'], errors)?.value ?? 'normal';
  const category = body.category === undefined ? undefined : String(body.category);
  let source: Parameters<typeof routingDefinition>[1] | undefined;
  if (body.template !== undefined) {
    const ref = validateAt(templateRef, body.template, ['template'], errors);
    if (body.channels !== undefined)
      errors.push({ path: 'channels', message: 'comes from routing.channels with a template' });
    if (ref) source = { template: ref.value };
  } else if (routing) {
    // Content only, exactly as a send to recipient ids: that form's own checks and paths.
    const { routing: _r, data: _d, to: _to, ...rest } = body;
    const checked = parseRecipientSend({ ...rest, to: ['stand-in'] }, input.validation);
    if (!checked.ok) errors.push(...checked.errors);
    const blocks = (body.channels ?? {}) as Record<string, Record<string, unknown>>;
    routing.value.channels.forEach((channel, i) => {
      if (!blocks[channel])
        errors.push({ path: `routing.channels[${i}]`, message: 'has no block in channels' });
    });
    for (const channel of Object.keys(blocks)) {
      if (!routing.value.channels.includes(channel as Channel))
        errors.push({ path: `channels.${channel}`, message: 'is not in routing.channels' });
    }
    source = { content: blocks as Partial<Record<Channel, Record<string, unknown>>> };
  }
  if (errors.length > 0 || !routing || !source) throw new InvalidRequestError(errors);
  if (category !== undefined && !(await deps.references.categoryExists(category)))
    throw new InvalidRequestError([
      { path: 'category', message: 'is not a category of this tenant (PUT /v1/categories/{key})' },
    ]);
  if ('template' in source) {
    const problem = await deps.references.templateProblem(source.template);
    const field = source.template.version === undefined ? 'key' : 'version';
    if (problem)
      throw new UnprocessableRequestError([{ path: `template.${field}`, message: problem }]);
  }
  const definition = routingDefinition(routing.value, source, level, category);
  const triggered = await startRunsFor(deps, {
    tenantId: input.tenantId,
    key: 'routing',
    version: 0,
    definition,
    inline: true,
    request: {
      to: body.to as (string | Record<string, unknown>)[],
      ...(body.data !== undefined && { data: body.data as Record<string, unknown> }),
      ...(input.idempotencyKey !== undefined && { idempotencyKey: input.idempotencyKey }),
    },
    now: input.now,
  });
  return { ...triggered, routing: { method: 'first', channels: routing.value.channels } };
}
