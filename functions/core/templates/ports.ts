import type { TemplateContent, TemplateHead, TemplateVersion } from './model';

/** Where templates and their versions are kept (adapters/dynamodb/template-store.ts). */
export interface TemplateRepository {
  /** The head only (what a send needs): one small read. */
  head(tenantId: string, key: string): Promise<TemplateHead | undefined>;
  draft(tenantId: string, key: string): Promise<TemplateContent | undefined>;
  /** Writes the draft, then the head (an archived template comes back un-archived). */
  saveDraft(
    head: Omit<TemplateHead, 'latestVersion' | 'createdAt' | 'archivedAt'>,
    draft: TemplateContent,
  ): Promise<TemplateHead>;
  /** A page of the tenant's template heads, by key. */
  list(
    tenantId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: TemplateHead[]; nextCursor?: string }>;
  /**
   * Writes version `version.version` only if it does not exist yet, then moves the template's
   * `latestVersion` up to it. False when that version number was taken (a concurrent publish).
   */
  publish(version: TemplateVersion): Promise<boolean>;
  getVersion(tenantId: string, key: string, version: number): Promise<TemplateVersion | undefined>;
  /** The newest version first; summaries only (no content). */
  listVersions(
    tenantId: string,
    key: string,
  ): Promise<Pick<TemplateVersion, 'version' | 'publishedAt' | 'publishedBy' | 'note'>[]>;
  /** Marks the template archived; false when there is no such template. */
  archive(tenantId: string, key: string, at: string): Promise<boolean>;
}

/** A problem with a template or its rendering, at a path inside the template. */
export class TemplateProblem extends Error {
  override readonly name = 'TemplateProblem';
  constructor(
    message: string,
    /** What went wrong: bad syntax, an unknown variable or filter, a render limit. */
    readonly kind: 'syntax' | 'variable' | 'filter' | 'limit' | 'render',
  ) {
    super(message);
  }
}

/** One Liquid template, parsed once; render it as often as needed. */
export interface CompiledTemplate {
  /** Throws TemplateProblem. */
  render(data: Record<string, unknown>): Promise<string>;
}

/** The template language (adapters/templates/liquid-engine.ts: liquidjs, strict, bounded). */
export interface TemplateEngine {
  /**
   * Parses `source`; `html` escapes every output by default (`| raw` opts out). Throws
   * TemplateProblem on a syntax error or an unknown filter.
   */
  compile(source: string, mode: 'html' | 'text'): CompiledTemplate;
  /** An engine loaded on first use: awaited before the first compile. */
  ready?(): Promise<void>;
}

/** MJML -> HTML, run at publish only (adapters/templates/mjml-compiler.ts). */
export interface MjmlCompiler {
  /** The HTML, or the compiler's errors (line and message each). */
  compile(mjml: string): Promise<{ html: string; errors: string[] }>;
}
