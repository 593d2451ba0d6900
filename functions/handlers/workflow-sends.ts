import { DynamoCategoryStore } from '../adapters/dynamodb/category-store';
import { DynamoRecipientStore } from '../adapters/dynamodb/recipient-store';
import { SuppressionsWithProfiles } from '../adapters/dynamodb/suppressions-with-profiles';
import { DynamoTemplateStore } from '../adapters/dynamodb/template-store';
import { LiquidTemplateEngine } from '../adapters/templates/liquid-engine';
import type { ValidationOptions, ValidationResult } from '../core/notifications/requests';
import { mqttNamespace } from '../core/notifications/requests/mqtt-topic';
import { resolveRecipients } from '../core/recipients/resolve';
import { parseRecipientSend } from '../core/recipients/send-request';
import { InvalidRequestError, UnprocessableRequestError } from '../core/shared/errors';
import { VersionCache } from '../core/templates/compile';
import { personalize } from '../core/templates/personalize';
import {
  recipientFieldsFrom,
  renderedContentErrors,
  renderTemplateSend,
} from '../core/templates/send';
import { dynamo } from '../runtime/aws-clients';

/*
 * The workflow function's parser for a template send to a recipient id: the same core steps as
 * POST /v1/notifications with `template` and `to` (handlers/api/template-sends.ts and
 * recipient-sends.ts): render per recipient, validate the rendered body, resolve the profile
 * (preferences with the category, address health, skips), personalize. Own adapters: this runs
 * in the workflow function, not the api.
 */

export function createWorkflowSendParser(tableName: string) {
  const recipients = new DynamoRecipientStore(dynamo, tableName);
  const categories = new DynamoCategoryStore(dynamo, tableName);
  const suppressions = new SuppressionsWithProfiles(dynamo, tableName);
  const render = {
    templates: new DynamoTemplateStore(dynamo, tableName),
    engine: new LiquidTemplateEngine(),
    cache: new VersionCache(),
  };
  const { fieldsOf } = recipientFieldsFrom(recipients);
  const parse = async (body: unknown, options: ValidationOptions): Promise<ValidationResult> => {
    const tenantId = options.tenantId ?? '';
    // Inline content to a recipient id (the routing shorthand's `to`) has nothing to render.
    const plain = !('template' in (body as Record<string, unknown>));
    const rendered = plain
      ? { body: body as Record<string, unknown>, perRecipient: undefined }
      : await renderTemplateSend(render, tenantId, body as Record<string, unknown>, { fieldsOf });
    const parsed = parseRecipientSend(rendered.body, options);
    if (!parsed.ok) {
      const fromTemplate = renderedContentErrors(parsed.errors);
      if (fromTemplate) throw new UnprocessableRequestError(fromTemplate);
      return parsed;
    }
    const key = parsed.value.category;
    const category = key ? await categories.get(tenantId, key) : undefined;
    if (key && !category) {
      throw new InvalidRequestError([
        { path: 'category', message: 'is not a category of this tenant' },
      ]);
    }
    const request = await resolveRecipients({ store: recipients, suppressions }, parsed.value, {
      tenantId,
      mqtt: mqttNamespace(options),
      ...(category && { category }),
    });
    const value = rendered.perRecipient ? personalize(request, rendered.perRecipient) : request;
    return { ok: true, value };
  };
  return { parse, profiles: recipients, categories, render };
}
