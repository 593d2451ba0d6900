import * as z from 'zod/mini';
import type { ValidationOptions, ValidationResult } from '../../core/notifications/requests';
import { UnprocessableRequestError } from '../../core/shared/errors';
import { personalize } from '../../core/templates/personalize';
import {
  recipientFieldsFrom,
  renderedContentErrors,
  renderTemplateSend,
  templateSendFields,
  usesTemplate,
} from '../../core/templates/send';
import type { PrefetchedProfiles } from './prefetched-profiles';
import { recipients, templateRenderDeps } from './stores';

type Parse = (
  body: unknown,
  options: ValidationOptions,
  prefetched?: PrefetchedProfiles,
) => ValidationResult | Promise<ValidationResult>;

/** The ids of a `to` that names recipient ids only (inline profiles are upserted first). */
function plainIds(to: unknown): string[] | undefined {
  if (!Array.isArray(to) || to.length === 0) return undefined;
  return to.every((t) => typeof t === 'string') ? [...new Set(to as string[])] : undefined;
}

/**
 * `POST /v1/notifications` with `template`: rendered first (422 on any render error, nothing
 * recorded), then parsed by `parse` as the body it becomes, with the rendered content in each
 * channel block. Bodies without `template` go to `parse` untouched. To recipient ids, their
 * profiles are read once: rendered with, then handed to `parse` to resolve addresses from.
 */
export function withTemplates(parse: Parse): Parse {
  return async (body, options) => {
    if (!usesTemplate(body)) return parse(body, options);
    const tenantId = options.tenantId ?? '';
    const ids = plainIds(body.to);
    const prefetched: PrefetchedProfiles | undefined = ids && {
      tenantId,
      ids: new Set(ids),
      profiles: await recipients.batchGet(tenantId, ids),
    };
    const profiles = prefetched
      ? { batchGet: async () => prefetched.profiles }
      : { batchGet: recipients.batchGet.bind(recipients) };
    const fields = recipientFieldsFrom(profiles);
    const rendered = await renderTemplateSend(templateRenderDeps, tenantId, body, fields);
    const result = await parse(rendered.body, options, prefetched);
    if (!result.ok) {
      const fromTemplate = renderedContentErrors(result.errors);
      if (fromTemplate) throw new UnprocessableRequestError(fromTemplate);
      return result;
    }
    const value = rendered.perRecipient
      ? personalize(result.value, rendered.perRecipient)
      : result.value;
    return { ok: true, value: { ...value, template: rendered.used } };
  };
}

/** The document: `schema`, or a template send (its channel blocks carry addresses only). */
export function withTemplateSchema(schema: z.ZodMiniType) {
  const templateForm = z
    .looseObject({
      ...templateSendFields,
      channels: z.optional(
        z.union([z.record(z.string(), z.record(z.string(), z.unknown())), z.array(z.string())]),
      ),
    })
    .check(
      z.describe(
        'A template send: `template` + `data` (+ `locale`); channel blocks give addresses only (email to/from/replyTo, sms/whatsapp to, push tokens, slack channel, mqtt topic/qos), or, with `to` recipient ids, a list of channel names. sendAt, priority, metadata, to and category as in the other forms.',
      ),
    );
  return z.union([schema, templateForm]);
}
