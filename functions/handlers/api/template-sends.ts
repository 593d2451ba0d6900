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
import { recipients } from './recipients';
import { templateRenderDeps } from './templates';

const recipientFields = recipientFieldsFrom(recipients);

type Parse = (
  body: unknown,
  options: ValidationOptions,
) => ValidationResult | Promise<ValidationResult>;

/**
 * `POST /v1/notifications` with `template`: rendered first (422 on any render error, nothing
 * recorded), then parsed by `parse` as the body it becomes, with the rendered content in each
 * channel block. Bodies without `template` go to `parse` untouched.
 */
export function withTemplates(parse: Parse): Parse {
  return async (body, options) => {
    if (!usesTemplate(body)) return parse(body, options);
    const tenantId = options.tenantId ?? '';
    const rendered = await renderTemplateSend(templateRenderDeps, tenantId, body, recipientFields);
    const result = await parse(rendered.body, options);
    if (!result.ok) {
      const fromTemplate = renderedContentErrors(result.errors);
      if (fromTemplate) throw new UnprocessableRequestError(fromTemplate);
      return result;
    }
    if (!rendered.perRecipient) return result;
    return { ok: true, value: personalize(result.value, rendered.perRecipient) };
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
