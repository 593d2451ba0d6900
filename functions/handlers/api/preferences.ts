import * as z from 'zod/mini';
import { writeProfile } from '../../core/recipients/manage';
import { effectivePreferences } from '../../core/recipients/preferences';
import {
  inspectRequestBody,
  preferencesSchema,
  requireRecipientId,
} from '../../core/recipients/validation';
import { InvalidRequestError, NotFoundError } from '../../core/shared/errors';
import { type FieldError, validateAt } from '../../core/shared/field-errors';
import { CHANNELS } from '../../core/shared/vocabulary';
import { json, parseJsonBody } from '../../runtime/http';
import { type ApiRoute, config, pathParameter, suppressions, tenantOf } from './context';
import { categories, recipients } from './stores';

const preferencesAnswer = z.strictObject({
  preferences: preferencesSchema,
  effective: z
    .record(z.string(), z.partialRecord(z.enum(CHANNELS), z.boolean()))
    .check(
      z.describe(
        'per tenant category, per channel the recipient has an address for: whether a send in that category reaches them (critical ones always do, at a healthy address)',
      ),
    ),
});

const idOf = (event: Parameters<ApiRoute['handler']>[0]) =>
  requireRecipientId(pathParameter(event, 'id', 'Recipient'));

async function answer(tenantId: string, profile: Parameters<typeof effectivePreferences>[0]) {
  const all = await categories.list(tenantId);
  return json(200, {
    preferences: profile.preferences,
    effective: effectivePreferences(profile, all),
  });
}

/** A recipient's opt-outs and opt-ins, per category x channel and per channel. */
export const preferenceRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/recipients/{id}/preferences',
    access: 'read',
    doc: {
      summary: "A recipient's preferences, and what they mean for each category",
      tag: 'recipients',
      responses: { 200: { description: 'Preferences', schema: preferencesAnswer } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      const profile = await recipients.get(tenantId, id);
      if (!profile) throw new NotFoundError(`Recipient ${id} not found`);
      return answer(tenantId, profile);
    },
  },
  {
    method: 'PUT',
    path: '/v1/recipients/{id}/preferences',
    access: 'send',
    doc: {
      summary: "Replace a recipient's preferences",
      description:
        '`channels.<channel>: false` turns a channel off; `categories.<key>.<channel>` (or `.all`) turns a category off or on per channel; an opt-in to a category on a channel wins over the channel switch. Critical categories ignore opt-outs.',
      tag: 'recipients',
      body: preferencesSchema,
      responses: { 200: { description: 'Preferences', schema: preferencesAnswer } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const id = idOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      inspectRequestBody(body);
      const errors: FieldError[] = [];
      const parsed = validateAt(preferencesSchema, body, [], errors);
      if (!parsed) throw new InvalidRequestError(errors);
      const { profile } = await writeProfile(
        recipients,
        tenantId,
        id,
        { merge: { preferences: parsed.value } },
        { mustExist: true, suppressions },
      );
      return answer(tenantId, profile);
    },
  },
];
