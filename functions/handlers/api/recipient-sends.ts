import * as z from 'zod/mini';
import {
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../../core/notifications/requests';
import { mqttNamespace } from '../../core/notifications/requests/mqtt-topic';
import { v1Schema } from '../../core/notifications/requests/v1-request';
import { resolveRecipients } from '../../core/recipients/resolve';
import {
  MAX_RECIPIENTS_PER_REQUEST,
  namesRecipients,
  parseRecipientSend,
} from '../../core/recipients/send-request';
import { categoryKey, profileWithIdSchema, recipientId } from '../../core/recipients/validation';
import { CHANNELS } from '../../core/shared/vocabulary';
import { suppressions } from './context';
import { type PrefetchedProfiles, withPrefetched } from './prefetched-profiles';
import { categoryOf, recipients } from './stores';

/**
 * `POST /v1/notifications`: the raw-address form as before, or, when the body names recipients
 * in `to`, the recipient form: validated the same way, then resolved against the profiles.
 */
export async function parseV1OrRecipients(
  body: unknown,
  options: ValidationOptions,
  prefetched?: PrefetchedProfiles,
): Promise<ValidationResult> {
  if (!namesRecipients(body)) return parseV1Request(body, options);
  const parsed = parseRecipientSend(body, options);
  if (!parsed.ok) return parsed;
  const tenantId = options.tenantId ?? '';
  const category = parsed.value.category
    ? await categoryOf(tenantId, parsed.value.category)
    : undefined;
  const store = withPrefetched(recipients, prefetched);
  const request = await resolveRecipients({ store, suppressions }, parsed.value, {
    tenantId,
    mqtt: mqttNamespace(options),
    ...(category && { category }),
  });
  return { ok: true, value: request };
}

/** The document: the raw-address form, or `to` + `category` + channel blocks without addresses. */
export function v1OrRecipientsSchema(options: ValidationOptions) {
  const contentOnly = z
    .record(z.enum(CHANNELS), z.record(z.string(), z.unknown()))
    .check(
      z.describe(
        'per channel, the content exactly as in the raw-address form, without its address field (email/sms/whatsapp to, push tokens, slack channel, mqtt topic)',
      ),
    );
  const recipientForm = z.strictObject({
    to: z
      .array(z.union([recipientId, profileWithIdSchema]))
      .check(
        z.minLength(1),
        z.maxLength(MAX_RECIPIENTS_PER_REQUEST),
        z.describe(
          'recipient ids, or {id, ...profile fields} to upsert first; each gets every healthy address of each channel, or a skipped delivery with the reason',
        ),
      ),
    category: z
      .optional(categoryKey)
      .check(z.describe('what the message is about (PUT /v1/categories/{key})')),
    channels: contentOnly,
    sendAt: z.optional(z.string()),
    priority: z.optional(z.enum(['high', 'normal'])),
    metadata: z.optional(z.record(z.string(), z.string())),
  });
  return z.union([v1Schema(options), recipientForm]);
}
