import * as z from 'zod/mini';
import type { ProfileInput } from '../recipients/model';
import { parseProfileWithId, profileWithIdSchema, recipientId } from '../recipients/validation';
import { InvalidRequestError, UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { DataSchema } from '../templates/data-schema';
import type { RunRecipient, WorkflowDefinition } from './model';
import { isTimeZone, quietHoursSchema } from './step-schemas';
import { checkTriggerData, usesTemplates } from './template-sends';

/*
 * The recipients of a trigger (or of the routing shorthand with `to`): recipient ids, profiles
 * to upsert, or inline addresses; and the trigger data against the templates' data schemas.
 */

const address = z.optional(z.string().check(z.minLength(1), z.maxLength(512)));
export const recipientSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  email: address,
  sms: address,
  whatsapp: address,
  push: address,
  slack: address,
  mqtt: address,
  timezone: z.optional(z.string().check(z.refine(isTimeZone, 'must be an IANA time zone'))),
  quietHours: z.optional(quietHoursSchema),
  attributes: z.optional(z.record(z.string(), z.unknown())),
});

/** `{id, ...profile}` or recipient ids. */
export const targetSchema = z.union([recipientId, profileWithIdSchema, recipientSchema]);

/** What a trigger of a workflow with template sends needs (the api's recipients and templates). */
export interface TriggerTemplateDependencies {
  /** Upserts inline profiles; the errors of those refused, at `to[i].<field>`. */
  upsertProfiles(
    tenantId: string,
    items: { id: string; input: ProfileInput; at: string }[],
  ): Promise<FieldError[]>;
  schemaOf(
    tenantId: string,
    ref: { key: string; version?: number },
  ): Promise<DataSchema | undefined>;
}

/** The trigger data against each template's data schema: a 422 at `data.<field>`. */
export async function checkData(
  deps: { templates?: TriggerTemplateDependencies },
  tenantId: string,
  definition: WorkflowDefinition,
  data: Record<string, unknown>,
) {
  if (!usesTemplates(definition)) return;
  if (!deps.templates) throw new Error('template sends need the templates dependencies');
  const { schemaOf } = deps.templates;
  const errors = await checkTriggerData(definition, data, (ref) => schemaOf(tenantId, ref));
  if (errors.length > 0)
    throw new UnprocessableRequestError(errors, "The data does not fit a template's schema");
}

/**
 * Each `to` item as a run recipient: ids as they are; objects as profiles to upsert (template
 * workflows) or inline addresses (inline-content workflows). Then the data against each
 * template's schema (422). Nothing is written before every check passed but the upserts.
 */
export async function recipientsOf(
  deps: { templates?: TriggerTemplateDependencies },
  tenantId: string,
  definition: WorkflowDefinition,
  request: { to: unknown; data?: Record<string, unknown> },
): Promise<RunRecipient[]> {
  const errors: FieldError[] = [];
  const templated = usesTemplates(definition);
  const out: RunRecipient[] = [];
  const upserts: { id: string; input: ProfileInput; at: string }[] = [];
  (Array.isArray(request.to) ? request.to : []).forEach((item, i) => {
    if (typeof item === 'string') {
      const id = validateAt(recipientId, item, ['to', i], errors);
      if (id) out.push({ id: id.value });
    } else if (templated) {
      const profile = parseProfileWithId(item, ['to', i], errors);
      if (profile) {
        const { id, ...input } = profile;
        upserts.push({ id, input, at: `to[${i}]` });
        out.push({ id });
      }
    } else {
      const r = validateAt(recipientSchema, item, ['to', i], errors);
      if (r) out.push(r.value);
    }
  });
  const ids = new Set<string>();
  out.forEach((r, i) => {
    if (ids.has(r.id)) errors.push({ path: `to[${i}].id`, message: 'appears twice' });
    ids.add(r.id);
  });
  if (errors.length > 0) throw new InvalidRequestError(errors);
  if (templated) {
    await checkData(deps, tenantId, definition, request.data ?? {});
    if (upserts.length > 0 && deps.templates) {
      const refused = await deps.templates.upsertProfiles(tenantId, upserts);
      if (refused.length > 0) throw new InvalidRequestError(refused);
    }
  }
  return out;
}
