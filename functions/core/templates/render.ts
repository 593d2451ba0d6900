import type { ContentByChannel } from '../notifications/model';
import { NotFoundError, UnprocessableRequestError } from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import {
  type CompiledChannel,
  type CompiledContent,
  compileContent,
  localeChain,
  problemMessage,
  type VersionCache,
} from './compile';
import { validateData } from './data-schema';
import type { TemplateContent, TemplateRef, TemplateVersion } from './model';
import { type TemplateEngine, TemplateProblem, type TemplateRepository } from './ports';

/** Rendered content per channel (MQTT: the payload only; its QoS comes with the request). */
export type RenderedContent = {
  [C in Channel]?: C extends 'mqtt' ? { payload: string } : ContentByChannel[C];
};

/** What a render produced: the content per channel and which variant each came from. */
export interface RenderedTemplate {
  key: string;
  /** The version rendered; absent for a draft preview. */
  version?: number;
  content: RenderedContent;
  /** The locale variant each channel was rendered from (after fallback). */
  locales: Partial<Record<Channel, string>>;
}

/** Profile fields a template may use as `{{ recipient.<field> }}`; `locale` picks the variant. */
export type RecipientFields = Record<string, unknown> & { locale?: string };

export interface RenderInput {
  /** The request's locale; the recipient's own `locale` wins over it. */
  locale?: string;
  data: Record<string, unknown>;
  recipient?: RecipientFields;
  /** Only these channels (default: every channel the template covers). */
  channels?: readonly Channel[];
}

export interface RenderDependencies {
  templates: TemplateRepository;
  engine: TemplateEngine;
  /** Compiled versions kept per container; pass one per module scope. */
  cache: VersionCache;
  /** Rendering one send may take, over all its recipients (default RENDER_LIMITS.requestBudgetMs). */
  renderBudgetMs?: number;
}

const UNDEFINED_VARIABLE = /undefined variable: ([^,\s]+)/;

/** A Liquid failure as the field error a caller can act on. */
function renderError(error: unknown, where: string): FieldError {
  const message = problemMessage(error);
  const missing = UNDEFINED_VARIABLE.exec(message)?.[1];
  if (missing) {
    const path = missing.startsWith('recipient.') ? missing : `data.${missing}`;
    return { path, message: `is required by ${where} (${message})` };
  }
  const kind = error instanceof TemplateProblem ? error.kind : 'render';
  return { path: where, message: kind === 'limit' ? `render limit reached: ${message}` : message };
}

function pickChannel(
  compiled: CompiledContent,
  chain: readonly string[],
  channel: Channel,
): { locale: string; channel: CompiledChannel } | undefined {
  for (const locale of chain) {
    const found = compiled.locales.get(locale)?.get(channel);
    if (found) return { locale, channel: found };
  }
  return undefined;
}

function finish(channel: Channel, fields: Record<string, unknown>): unknown {
  if (channel === 'mqtt') {
    const payload = fields.payload;
    return { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) };
  }
  return fields;
}

/**
 * Renders compiled content for one recipient. Throws UnprocessableRequestError (422) listing every
 * field that failed: a missing variable at `data.<name>` (or `recipient.<name>`), an unknown
 * filter or a render limit at the template field (`locales.fr.email.subject`).
 */
export async function renderCompiled(
  compiled: CompiledContent,
  content: Pick<TemplateContent, 'dataSchema'>,
  input: RenderInput,
): Promise<Pick<RenderedTemplate, 'content' | 'locales'>> {
  if (content.dataSchema) {
    const mismatches = validateData(content.dataSchema, input.data, ['data']);
    if (mismatches.length > 0) {
      throw new UnprocessableRequestError(
        mismatches,
        'The data does not fit the template’s schema',
      );
    }
  }
  const chain = localeChain(input.recipient?.locale ?? input.locale, compiled.defaultLocale);
  const scope = { ...input.data, recipient: input.recipient ?? {} };
  const wanted = input.channels ?? [
    ...(compiled.locales.get(compiled.defaultLocale)?.keys() ?? []),
  ];
  const errors: FieldError[] = [];
  const result: Pick<RenderedTemplate, 'content' | 'locales'> = { content: {}, locales: {} };
  await Promise.all(
    wanted.map(async (name) => {
      const picked = pickChannel(compiled, chain, name);
      if (!picked) return;
      const fields: Record<string, unknown> = { ...picked.channel.fixed };
      for (const [field, { where, render }] of Object.entries(picked.channel.fields)) {
        try {
          fields[field] = await render(scope);
        } catch (error) {
          errors.push(renderError(error, where));
        }
      }
      (result.content as Record<string, unknown>)[name] = finish(name, fields);
      result.locales[name] = picked.locale;
    }),
  );
  if (errors.length > 0) {
    throw new UnprocessableRequestError(
      errors,
      'The template could not be rendered with this data',
    );
  }
  // Channels in a stable order (they rendered concurrently).
  const ordered: Pick<RenderedTemplate, 'content' | 'locales'> = { content: {}, locales: {} };
  for (const name of wanted) {
    const content = result.content[name];
    if (content === undefined) continue;
    (ordered.content as Record<string, unknown>)[name] = content;
    ordered.locales[name] = result.locales[name] as string;
  }
  return ordered;
}

/** The compiled form of a published version, compiled once per container. */
export function compiledVersion(
  deps: RenderDependencies,
  version: TemplateVersion,
): CompiledContent {
  return deps.cache.compiled(versionId(version.tenantId, version.key, version.version), () => {
    const { compiled, problems } = compileContent(deps.engine, version);
    // A published version was checked when its draft was saved; a problem now is a bug or an
    // engine change, and the send must not go out blank.
    if (problems.length > 0)
      throw new UnprocessableRequestError(problems, 'The template is broken');
    return compiled;
  });
}

const versionId = (tenantId: string, key: string, version: number) =>
  `${tenantId}\u0000${key}\u0000${version}`;

/**
 * The version a reference names: the pinned one, or the latest of a live template (one small
 * read of the template's head). A version is immutable: once read, the container keeps it.
 */
export async function resolveVersion(
  deps: Pick<RenderDependencies, 'templates' | 'cache'>,
  tenantId: string,
  ref: TemplateRef,
): Promise<TemplateVersion> {
  let number = ref.version;
  if (number === undefined) {
    const head = await deps.templates.head(tenantId, ref.key);
    if (!head || head.latestVersion === 0) {
      throw new NotFoundError(`Template ${ref.key} has no published version`);
    }
    if (head.archivedAt) throw new NotFoundError(`Template ${ref.key} is archived`);
    number = head.latestVersion;
  }
  const id = versionId(tenantId, ref.key, number);
  const kept = deps.cache.version(id);
  if (kept) return kept;
  const version = await deps.templates.getVersion(tenantId, ref.key, number);
  if (!version) throw new NotFoundError(`Template ${ref.key} has no version ${number}`);
  deps.cache.keepVersion(id, version);
  return version;
}

/**
 * Renders a published template for one recipient: the port the send paths (POST /v1/notifications,
 * workflow send steps, recipient sends) call before anything is queued.
 *
 * - `ref`: `{ key }` renders the latest published version of a live (not archived) template;
 *   `{ key, version }` that version, archived or not.
 * - `input.locale`, overridden by `input.recipient.locale`, picks the variant per channel along
 *   `fr-CA` -> `fr` -> the template's default.
 * - `input.data` is checked against the template's data schema, then every Liquid string renders
 *   with the data at the top level and the recipient's fields under `recipient`.
 *
 * Answers the content per channel (the template's channels, or `input.channels` of them) with the
 * version and the locale each came from. Throws NotFoundError (no such template or version) or
 * UnprocessableRequestError (422) with every field path: `data.<name>` for a missing variable or a
 * schema mismatch, the template field for an unknown filter or a render limit.
 */
export async function renderForRecipient(
  deps: RenderDependencies,
  tenantId: string,
  ref: TemplateRef,
  input: RenderInput,
): Promise<RenderedTemplate> {
  const version = await resolveVersion(deps, tenantId, ref);
  await deps.engine.ready?.();
  const rendered = await renderCompiled(compiledVersion(deps, version), version, input);
  return { key: version.key, version: version.version, ...rendered };
}
