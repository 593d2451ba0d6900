import type { FieldError } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import type { ChannelTemplates, TemplateContent, TemplateVersion } from './model';
import { type CompiledTemplate, type TemplateEngine, TemplateProblem } from './ports';

/*
 * A template's every Liquid string, parsed once. A version is immutable, so its compiled form is
 * kept per function container (VersionCache) and each send only renders.
 */

/** Renders one value of a channel's content with the data (strings, maps, JSON). */
export type CompiledValue = (data: Record<string, unknown>) => Promise<unknown>;

/** Per channel, per field, the compiled value; `where` names the field for error paths. */
export interface CompiledChannel {
  channel: Channel;
  fields: Record<string, { where: string; render: CompiledValue }>;
  /** Fields kept as they are (a WhatsApp content SID). */
  fixed: Record<string, unknown>;
}

export interface CompiledContent {
  defaultLocale: string;
  /** locale -> channel -> compiled fields. */
  locales: Map<string, Map<Channel, CompiledChannel>>;
}

/** Fields rendered as HTML (every output escaped unless `| raw`); the rest are text. */
const HTML_FIELDS = new Set(['email.html', 'email.mjml']);
const FIXED_FIELDS = new Set(['whatsapp.contentSid']);

/** Compiles a JSON value: every string in it is a template; the shape is kept. */
function compileJson(
  engine: TemplateEngine,
  value: unknown,
  mode: 'html' | 'text',
  where: string,
  problems: FieldError[],
): CompiledValue {
  if (typeof value === 'string') {
    try {
      const compiled: CompiledTemplate = engine.compile(value, mode);
      return (data) => compiled.render(data);
    } catch (error) {
      problems.push({ path: where, message: problemMessage(error) });
      return async () => value;
    }
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) =>
      compileJson(engine, item, mode, `${where}[${i}]`, problems),
    );
    return async (data) => Promise.all(items.map((item) => item(data)));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(
      ([k, v]) => [k, compileJson(engine, v, mode, `${where}.${k}`, problems)] as const,
    );
    return async (data) => {
      const out: Record<string, unknown> = {};
      for (const [k, render] of entries) out[k] = await render(data);
      return out;
    };
  }
  return async () => value;
}

export function problemMessage(error: unknown): string {
  if (error instanceof TemplateProblem) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function compileChannel(
  engine: TemplateEngine,
  locale: string,
  channel: Channel,
  content: object,
  problems: FieldError[],
): CompiledChannel {
  const compiled: CompiledChannel = { channel, fields: {}, fixed: {} };
  for (const [field, value] of Object.entries(content)) {
    const name = `${channel}.${field}`;
    if (FIXED_FIELDS.has(name)) {
      compiled.fixed[field] = value;
      continue;
    }
    const where = `locales.${locale}.${name}`;
    const mode = HTML_FIELDS.has(name) ? 'html' : 'text';
    compiled.fields[field] = { where, render: compileJson(engine, value, mode, where, problems) };
  }
  return compiled;
}

/**
 * Parses every Liquid string of `content`. Syntax errors and unknown filters are returned as
 * field errors at `locales.<locale>.<channel>.<field>` (empty when the template is sound).
 */
export function compileContent(
  engine: TemplateEngine,
  content: TemplateContent,
): { compiled: CompiledContent; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const locales = new Map<string, Map<Channel, CompiledChannel>>();
  for (const [locale, variant] of Object.entries(content.locales)) {
    const channels = new Map<Channel, CompiledChannel>();
    for (const [channel, value] of Object.entries(variant as ChannelTemplates)) {
      if (value === undefined) continue;
      const c = channel as Channel;
      channels.set(c, compileChannel(engine, locale, c, value, problems));
    }
    locales.set(locale, channels);
  }
  return { compiled: { defaultLocale: content.defaultLocale, locales }, problems };
}

/**
 * Published versions and their compiled form, per container, least recently used out first.
 * Versions never change, so nothing here is ever stale.
 */
export class VersionCache {
  private readonly entries = new Map<
    string,
    { version?: TemplateVersion; compiled?: CompiledContent }
  >();
  /** Compilations made (the bench and tests read it: once per version per container). */
  compilations = 0;

  constructor(private readonly capacity = 200) {}

  private entry(id: string) {
    let hit = this.entries.get(id);
    if (hit) this.entries.delete(id);
    hit ??= {};
    this.entries.set(id, hit);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return hit;
  }

  version(id: string): TemplateVersion | undefined {
    return this.entries.get(id)?.version;
  }

  keepVersion(id: string, version: TemplateVersion): void {
    this.entry(id).version = version;
  }

  compiled(id: string, compile: () => CompiledContent): CompiledContent {
    const entry = this.entry(id);
    if (!entry.compiled) {
      entry.compiled = compile();
      this.compilations++;
    }
    return entry.compiled;
  }
}

/**
 * The locales to try, most specific first: `fr-CA` -> `fr-CA`, `fr`, then the default.
 * `zh-Hant-TW` -> `zh-Hant-TW`, `zh-Hant`, `zh`.
 */
export function localeChain(requested: string | undefined, defaultLocale: string): string[] {
  const chain: string[] = [];
  if (requested) {
    const parts = requested.split('-');
    for (let n = parts.length; n > 0; n--) chain.push(parts.slice(0, n).join('-'));
  }
  chain.push(defaultLocale);
  return [...new Set(chain)];
}
