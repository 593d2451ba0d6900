import * as z from 'zod/mini';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { inspectBody } from '../shared/json-safety';
import { checkDataSchema, type DataSchema } from './data-schema';
import {
  type ChannelTemplates,
  MAX_NOTE_CHARS,
  MAX_TEMPLATE_BYTES,
  MAX_TEMPLATE_DATA_BYTES,
  MAX_TEMPLATE_LOCALES,
  TEMPLATE_KEY_MESSAGE,
  TEMPLATE_KEY_PATTERN,
  type TemplateContent,
  templateChannels,
} from './model';

/*
 * The request bodies of the template routes. Each Liquid string is also parsed (by the use-case,
 * through the engine port) so a syntax error or an unknown filter is found when the draft is
 * saved, not when a message is sent.
 */

const source = z.string().check(z.maxLength(MAX_TEMPLATE_BYTES));
const nonEmpty = source.check(z.minLength(1, 'must not be empty'));
const stringMap = z.record(z.string().check(z.minLength(1), z.maxLength(64)), source);

const email = z
  .strictObject({
    subject: nonEmpty,
    text: z.optional(nonEmpty),
    html: z.optional(nonEmpty),
    mjml: z.optional(nonEmpty),
  })
  .check(
    z.refine((e) => e.text !== undefined || e.html !== undefined || e.mjml !== undefined, {
      message: 'must have text, html or mjml',
    }),
    z.refine((e) => e.html === undefined || e.mjml === undefined, {
      message: 'must have html or mjml, not both (MJML is compiled into the html at publish)',
    }),
  );

const whatsapp = z.union([
  z.strictObject({ text: nonEmpty }),
  z.strictObject({
    contentSid: z
      .string()
      .check(z.regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Twilio Content SID: HX + 32 hex digits')),
    variables: stringMap,
  }),
]);

const channels = z
  .strictObject({
    email: z.optional(email),
    sms: z.optional(z.strictObject({ text: nonEmpty })),
    whatsapp: z.optional(whatsapp),
    push: z.optional(
      z.strictObject({ title: nonEmpty, body: nonEmpty, data: z.optional(stringMap) }),
    ),
    slack: z.optional(
      z.strictObject({
        text: nonEmpty,
        blocks: z.optional(z.array(z.unknown()).check(z.maxLength(50))),
      }),
    ),
    mqtt: z.optional(z.strictObject({ payload: z.unknown() })),
  })
  .check(
    z.refine((c) => Object.values(c).some((v) => v !== undefined), {
      message: 'must cover at least one channel',
    }),
  );

/** A BCP 47 tag in its canonical case (`fr-ca` -> `fr-CA`), or undefined when it is not one. */
export function canonicalLocale(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > 35) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

const locale = z
  .string()
  .check(
    z.refine(
      (tag: string) => canonicalLocale(tag) !== undefined,
      'must be a BCP 47 language tag (en, fr-CA)',
    ),
  );

const draftSchema = z.strictObject({
  defaultLocale: locale,
  locales: z.record(locale, channels),
  dataSchema: z.optional(z.unknown()),
  description: z.optional(z.string().check(z.maxLength(500))),
});

/** `PUT /v1/templates/{key}` body (also the OpenAPI entry). */
export const templateDraftBody = draftSchema;

/** A key from the path; 400 when it is not one. */
export function parseTemplateKey(key: string): string {
  if (!TEMPLATE_KEY_PATTERN.test(key)) {
    throw new InvalidRequestError([{ path: 'key', message: TEMPLATE_KEY_MESSAGE }]);
  }
  return key;
}

function fail(errors: FieldError[]): never {
  throw new InvalidRequestError(errors);
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Validates a draft body into TemplateContent (locales canonical). Throws InvalidRequestError. */
export function parseDraft(body: unknown): TemplateContent {
  const unsafe = inspectBody(body);
  if (unsafe.length > 0) fail(unsafe);
  const errors: FieldError[] = [];
  const parsed = validateAt(draftSchema, body, [], errors);
  if (!parsed) fail(errors);
  const input = parsed.value;
  if (jsonBytes(input) > MAX_TEMPLATE_BYTES) {
    fail([{ path: '', message: `a template must be at most ${MAX_TEMPLATE_BYTES} bytes as JSON` }]);
  }
  const locales: Record<string, ChannelTemplates> = {};
  for (const [tag, variant] of Object.entries(input.locales)) {
    const canonical = canonicalLocale(tag) as string;
    if (locales[canonical])
      errors.push({ path: `locales.${tag}`, message: `repeats ${canonical}` });
    locales[canonical] = variant as ChannelTemplates;
  }
  if (Object.keys(locales).length > MAX_TEMPLATE_LOCALES) {
    errors.push({ path: 'locales', message: `must have at most ${MAX_TEMPLATE_LOCALES} locales` });
  }
  const defaultLocale = canonicalLocale(input.defaultLocale) as string;
  const fallback = locales[defaultLocale];
  if (!fallback) {
    errors.push({ path: 'defaultLocale', message: 'must be one of the locales' });
  } else {
    // Every other variant falls back to the default per channel, so the default covers them all.
    const covered = new Set(templateChannels(fallback));
    for (const [tag, variant] of Object.entries(locales)) {
      for (const channel of templateChannels(variant)) {
        if (!covered.has(channel)) {
          errors.push({
            path: `locales.${tag}.${channel}`,
            message: `the default locale (${defaultLocale}) has no ${channel} content to fall back on`,
          });
        }
      }
    }
  }
  if (input.dataSchema !== undefined) checkDataSchema(input.dataSchema, ['dataSchema'], errors);
  if (errors.length > 0) fail(errors);
  return {
    defaultLocale,
    locales,
    ...(input.dataSchema !== undefined && { dataSchema: input.dataSchema as DataSchema }),
    ...(input.description !== undefined && { description: input.description }),
  };
}

/** `POST /v1/templates/{key}/publish` body (optional). */
export const publishBody = z.strictObject({
  note: z.optional(z.string().check(z.maxLength(MAX_NOTE_CHARS))),
});

export function parsePublish(body: unknown): { note?: string } {
  if (body === undefined) return {};
  const errors: FieldError[] = [];
  const parsed = validateAt(publishBody, body, [], errors);
  if (!parsed) fail(errors);
  return parsed.value.note === undefined ? {} : { note: parsed.value.note };
}

const dataObject = z.record(z.string(), z.unknown());

/** `POST /v1/templates/{key}/render` body. `version` absent: the saved draft, or `draft`. */
export const renderBody = z.strictObject({
  version: z.optional(z.int().check(z.minimum(1))),
  draft: z.optional(
    z
      .unknown()
      .check(z.describe('an unsaved draft (the PUT body) to preview instead of the saved one')),
  ),
  locale: z.optional(locale),
  data: z.optional(dataObject),
  recipient: z.optional(dataObject),
});

export interface RenderRequest {
  version?: number;
  draft?: unknown;
  locale?: string;
  data: Record<string, unknown>;
  recipient?: Record<string, unknown>;
}

/** Checks send or preview data: an object, JSON-safe, bounded. Adds errors at `path`. */
export function checkData(value: unknown, path: string, errors: FieldError[]): void {
  const unsafe = inspectBody(value);
  errors.push(...unsafe.map((e) => ({ ...e, path: e.path ? `${path}.${e.path}` : path })));
  if (unsafe.length === 0 && jsonBytes(value) > MAX_TEMPLATE_DATA_BYTES) {
    errors.push({ path, message: `must be at most ${MAX_TEMPLATE_DATA_BYTES} bytes as JSON` });
  }
}

export function parseRender(body: unknown): RenderRequest {
  const errors: FieldError[] = [];
  const parsed = validateAt(renderBody, body ?? {}, [], errors);
  if (!parsed) fail(errors);
  const { version, locale: tag, data, recipient, draft } = parsed.value;
  checkData(data ?? {}, 'data', errors);
  if (recipient !== undefined) checkData(recipient, 'recipient', errors);
  if (errors.length > 0) fail(errors);
  return {
    data: data ?? {},
    ...(version !== undefined && { version }),
    ...(draft !== undefined && { draft }),
    ...(tag !== undefined && { locale: canonicalLocale(tag) as string }),
    ...(recipient !== undefined && { recipient }),
  };
}
