import * as z from 'zod/mini';
import { InvalidRequestError, NotFoundError, UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { CHANNELS, type Channel } from '../shared/vocabulary';
import { TEMPLATE_KEY_MESSAGE, TEMPLATE_KEY_PATTERN } from './model';
import {
  type RecipientFields,
  type RenderDependencies,
  type RenderedContent,
  renderForRecipient,
} from './render';
import { renderBudget } from './render-budget';
import { canonicalLocale, checkData } from './validation';

/*
 * `POST /v1/notifications` with `template`: the template is rendered before anything is
 * validated as a notification, and the rendered content takes the place of each channel block's
 * content. The result is an ordinary request body (raw addresses, or `to` recipient ids), so every
 * rule of the notification API (addresses, limits, storage) applies to what was rendered, and what
 * is stored and sent is the rendered content. A render error is a 422 and nothing is recorded.
 */

/** The channel fields a template send may still give: addresses and the sender's own options. */
const ALLOWED_FIELDS: Record<Channel, readonly string[]> = {
  email: ['to', 'from', 'replyTo'],
  sms: ['to'],
  whatsapp: ['to'],
  push: ['tokens'],
  slack: ['channel'],
  mqtt: ['topic', 'qos'],
};

const templateRef = z.strictObject({
  key: z.string().check(z.regex(TEMPLATE_KEY_PATTERN, TEMPLATE_KEY_MESSAGE)),
  version: z.optional(z.int().check(z.minimum(1))),
});

/** The fields a template send adds to the notification body (also what the document shows). */
export const templateSendFields = {
  template: templateRef.check(
    z.describe('a published template: its latest version, or the one pinned by `version`'),
  ),
  data: z.optional(
    z.record(z.string(), z.unknown()).check(z.describe('the template’s variables (its data)')),
  ),
  locale: z.optional(
    z.string().check(z.describe('BCP 47; the recipient’s locale, when known, wins over it')),
  ),
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when the body asks for a template (`template` at the top). */
export function usesTemplate(body: unknown): body is Record<string, unknown> {
  return isObject(body) && 'template' in body;
}

/** Each channel's content as the notification API's channel block takes it. */
export function asBlock(
  channel: Channel,
  content: RenderedContent[Channel],
): Record<string, unknown> {
  const rendered = { ...(content as Record<string, unknown>) };
  if (channel === 'whatsapp' && rendered.contentSid !== undefined) {
    return { template: { contentSid: rendered.contentSid, variables: rendered.variables } };
  }
  return rendered;
}

/** The channels asked for: a block per channel, or a list of names (recipient sends). */
function requestedChannels(
  channels: unknown,
  errors: FieldError[],
): Map<Channel, Record<string, unknown>> | undefined {
  if (channels === undefined) return undefined;
  const asked = new Map<Channel, Record<string, unknown>>();
  const named = Array.isArray(channels)
    ? channels.map((name, i) => [name, {}, `channels[${i}]`] as const)
    : isObject(channels)
      ? Object.entries(channels).map(([name, block]) => [name, block, `channels.${name}`] as const)
      : undefined;
  if (!named) {
    errors.push({ path: 'channels', message: 'must be channel blocks or a list of channel names' });
    return asked;
  }
  for (const [name, block, path] of named) {
    if (!(CHANNELS as readonly unknown[]).includes(name)) {
      errors.push({ path, message: `unknown channel; expected one of ${CHANNELS.join(', ')}` });
      continue;
    }
    const channel = name as Channel;
    if (!isObject(block)) {
      errors.push({ path, message: 'must be a JSON object' });
      continue;
    }
    for (const field of Object.keys(block)) {
      if (!ALLOWED_FIELDS[channel].includes(field)) {
        errors.push({
          path: `${path}.${field}`,
          message: `comes from the template; a template send gives only ${ALLOWED_FIELDS[channel].join(', ')}`,
        });
      }
    }
    asked.set(channel, block);
  }
  return asked;
}

/** Where a send to recipient ids gets each recipient's fields (locale, name, attributes). */
export interface RecipientFieldsSource {
  /** Fields by recipient id; ids without a profile are absent. */
  fieldsOf(tenantId: string, ids: readonly string[]): Promise<Map<string, RecipientFields>>;
}

/** The profile fields a profile store can give (structural: templates import no recipients code). */
interface ProfileFields {
  name?: string;
  locale?: string;
  timezone?: string;
  attributes?: Record<string, unknown>;
}

/**
 * Recipients' fields as templates see them (`recipient.id`, `name`, `locale`, `timezone`,
 * `attributes`), from any store that reads profiles by id in batches.
 */
export function recipientFieldsFrom(profiles: {
  batchGet(tenantId: string, ids: readonly string[]): Promise<Map<string, ProfileFields>>;
}): RecipientFieldsSource {
  return {
    async fieldsOf(tenantId, ids) {
      const fields = new Map<string, RecipientFields>();
      for (const [id, p] of await profiles.batchGet(tenantId, ids)) {
        fields.set(id, {
          id,
          ...(p.name !== undefined && { name: p.name }),
          ...(p.locale !== undefined && { locale: p.locale }),
          ...(p.timezone !== undefined && { timezone: p.timezone }),
          attributes: p.attributes ?? {},
        });
      }
      return fields;
    },
  };
}

/** What a template send became: the body to validate, and the content rendered per recipient. */
export interface RenderedSend {
  body: Record<string, unknown>;
  /** Which template, version and locale variants (per channel) rendered it: kept on the record. */
  used: { key: string; version: number; locales: Partial<Record<Channel, string[]>> };
  /** With `to` recipient ids: each id's content, in its own locale with its fields. */
  perRecipient?: Map<string, RenderedContent>;
}

/** The `to` targets: ids, or `{id, ...profile}` whose inline fields count over the stored ones. */
function targetsOf(to: unknown): { id: string; inline?: RecipientFields }[] {
  if (!Array.isArray(to)) return [];
  return to.flatMap((t) => {
    if (typeof t === 'string') return [{ id: t }];
    if (isObject(t) && typeof t.id === 'string') {
      const { id, ...inline } = t;
      return [{ id, inline: inline as RecipientFields }];
    }
    return [];
  });
}

/**
 * Renders the template a notification body names and returns the body with the rendered content
 * in place of `template`, `data` and `locale`. With `to` recipient ids (and a source of their
 * fields) it renders for each recipient too: the body then carries the first one's content. Throws
 * InvalidRequestError (400) for a malformed template send, UnprocessableRequestError (422) when the
 * template cannot be rendered (unknown template or version, missing variable, schema mismatch,
 * render limit), naming the recipient for an error of one recipient's.
 */
export async function renderTemplateSend(
  deps: RenderDependencies,
  tenantId: string,
  body: Record<string, unknown>,
  recipients?: RecipientFieldsSource,
): Promise<RenderedSend> {
  const { template, data, locale, channels, ...rest } = body;
  const errors: FieldError[] = [];
  const ref = validateAt(templateRef, template, ['template'], errors);
  const input = data ?? {};
  if (!isObject(input)) errors.push({ path: 'data', message: 'must be a JSON object' });
  else checkData(input, 'data', errors);
  const tag = locale === undefined ? undefined : canonicalLocale(String(locale));
  if (locale !== undefined && (typeof locale !== 'string' || tag === undefined)) {
    errors.push({ path: 'locale', message: 'must be a BCP 47 language tag (en, fr-CA)' });
  }
  const asked = requestedChannels(channels, errors);
  if (errors.length > 0 || !ref || !isObject(input)) throw new InvalidRequestError(errors);

  // The version is resolved once per send (the first render); every later render pins it, so
  // the container's cached version serves them without a read.
  let pinned = ref.value;
  const locales = new Map<Channel, Set<string>>();
  const withinBudget = renderBudget(deps.renderBudgetMs);
  const render = async (recipient?: RecipientFields) => {
    try {
      const rendered = await renderForRecipient(deps, tenantId, pinned, {
        data: input,
        ...(tag !== undefined && { locale: tag }),
        ...(asked && { channels: [...asked.keys()] }),
        ...(recipient && { recipient }),
      });
      pinned = {
        key: rendered.key,
        ...(rendered.version !== undefined && { version: rendered.version }),
      };
      for (const [channel, locale] of Object.entries(rendered.locales) as [Channel, string][]) {
        const seen = locales.get(channel) ?? new Set<string>();
        locales.set(channel, seen.add(locale));
      }
      return rendered;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const path = ref.value.version === undefined ? 'template.key' : 'template.version';
      throw new UnprocessableRequestError([{ path, message: error.message }]);
    }
  };
  const targets = recipients ? targetsOf(body.to) : [];
  let perRecipient: Map<string, RenderedContent> | undefined;
  let first: Awaited<ReturnType<typeof render>> | undefined;
  if (recipients && targets.length > 0) {
    const stored = await recipients.fieldsOf(tenantId, [...new Set(targets.map((t) => t.id))]);
    perRecipient = new Map();
    for (const [i, target] of targets.entries()) {
      const fields = stored.get(target.id) ?? target.inline;
      // An id without a profile gets no message (it is recorded skipped): nothing to render.
      if (!fields || perRecipient.has(target.id)) continue;
      const recipient = { ...stored.get(target.id), ...target.inline, id: target.id };
      withinBudget();
      try {
        const rendered = await render(recipient);
        first ??= rendered;
        perRecipient.set(target.id, rendered.content);
      } catch (error) {
        if (!(error instanceof UnprocessableRequestError)) throw error;
        errors.push(
          ...error.errors.map((e) => ({ ...e, message: `to[${i}] (${target.id}): ${e.message}` })),
        );
      }
    }
    if (errors.length > 0)
      throw new UnprocessableRequestError(
        errors,
        'The template could not be rendered for every recipient',
      );
  }
  const rendered = first ?? (await render());
  const blocks: Record<string, unknown> = {};
  for (const channel of asked?.keys() ?? (Object.keys(rendered.content) as Channel[])) {
    const content = rendered.content[channel];
    if (content === undefined) {
      errors.push({
        path: `channels.${channel}`,
        message: `template ${rendered.key} v${rendered.version} has no ${channel} content`,
      });
      continue;
    }
    blocks[channel] = { ...asked?.get(channel), ...asBlock(channel, content) };
  }
  if (errors.length > 0) throw new UnprocessableRequestError(errors);
  const used = {
    key: rendered.key,
    version: rendered.version ?? 0,
    locales: Object.fromEntries(
      Object.keys(blocks).map((c) => [c, [...(locales.get(c as Channel) ?? [])].sort()]),
    ),
  };
  return { body: { ...rest, channels: blocks }, used, ...(perRecipient && { perRecipient }) };
}

/**
 * An error the notification rules found in rendered content (a subject too long, a payload too
 * big) is the template's doing, not the caller's field: a 422 saying so; the rest stay 400s.
 */
export function renderedContentErrors(errors: readonly FieldError[]): FieldError[] | undefined {
  const rendered = errors.filter((e) => {
    const [, channel, field] = /^channels\.(\w+)\.(\w+)/.exec(e.path) ?? [];
    return channel !== undefined && !ALLOWED_FIELDS[channel as Channel]?.includes(field ?? '');
  });
  if (rendered.length === 0) return undefined;
  return rendered.map((e) => ({ ...e, message: `as rendered from the template: ${e.message}` }));
}
