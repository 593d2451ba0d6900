import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  UnprocessableRequestError,
} from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import { type CompiledContent, compileContent, type VersionCache } from './compile';
import {
  type ChannelTemplates,
  MAX_VERSION_BYTES,
  TEMPLATE_PAGE_SIZE,
  type TemplateContent,
  type TemplateHead,
  type TemplateVersion,
  templateChannels,
} from './model';
import type { MjmlCompiler, TemplateEngine, TemplateRepository } from './ports';
import { compiledVersion, type RenderedTemplate, renderCompiled, resolveVersion } from './render';
import { parseDraft, parsePublish, parseRender, parseTemplateKey } from './validation';

/** What the template use-cases need. `mjml` only where MJML may be compiled (the templates function). */
export interface ManageTemplateDependencies {
  templates: TemplateRepository;
  engine: TemplateEngine;
  cache: VersionCache;
  mjml?: MjmlCompiler;
  now?: () => number;
}

const nowIso = (deps: ManageTemplateDependencies) =>
  new Date((deps.now ?? Date.now)()).toISOString();

/** A head as the API shows it. */
export function presentHead(head: TemplateHead) {
  const { tenantId: _tenant, ...shown } = head;
  return shown;
}

async function headOf(deps: ManageTemplateDependencies, tenantId: string, key: string) {
  const head = await deps.templates.head(tenantId, parseTemplateKey(key));
  if (!head) throw new NotFoundError(`Template ${key} not found`);
  return head;
}

/** `PUT /v1/templates/{key}`: validates the draft (every Liquid string parsed) and saves it. */
export async function editDraft(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
  body: unknown,
  editor: string,
) {
  parseTemplateKey(key);
  const draft = parseDraft(body);
  const { problems } = compileContent(deps.engine, draft);
  if (problems.length > 0) {
    throw new UnprocessableRequestError(problems, 'The template has Liquid errors');
  }
  const defaults = draft.locales[draft.defaultLocale] as ChannelTemplates;
  const head = await deps.templates.saveDraft(
    {
      tenantId,
      key,
      ...(draft.description !== undefined && { description: draft.description }),
      defaultLocale: draft.defaultLocale,
      locales: Object.keys(draft.locales).sort(),
      channels: templateChannels(defaults),
      updatedAt: nowIso(deps),
      updatedBy: editor,
    },
    draft,
  );
  return { ...presentHead(head), draft };
}

/** `GET /v1/templates/{key}`: the head and the draft. */
export async function describeTemplate(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
) {
  const head = await headOf(deps, tenantId, key);
  const draft = await deps.templates.draft(tenantId, key);
  return { ...presentHead(head), ...(draft && { draft }) };
}

/** `GET /v1/templates`. */
export async function listTemplates(
  deps: ManageTemplateDependencies,
  tenantId: string,
  cursor?: string,
) {
  const page = await deps.templates.list(tenantId, TEMPLATE_PAGE_SIZE, cursor);
  return {
    items: page.items.map(presentHead),
    ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
  };
}

/** MJML -> HTML in every locale; errors at `locales.<tag>.email.mjml`. */
async function compileMjml(
  deps: ManageTemplateDependencies,
  draft: TemplateContent,
): Promise<TemplateContent> {
  const errors: FieldError[] = [];
  const locales: Record<string, ChannelTemplates> = {};
  for (const [tag, variant] of Object.entries(draft.locales)) {
    const { email } = variant;
    if (email?.mjml === undefined) {
      locales[tag] = variant;
      continue;
    }
    const where = `locales.${tag}.email.mjml`;
    if (!deps.mjml) {
      errors.push({ path: where, message: 'MJML is compiled by the templates function only' });
      continue;
    }
    const { html, errors: mjmlErrors } = await deps.mjml.compile(email.mjml);
    if (mjmlErrors.length > 0) {
      errors.push(...mjmlErrors.slice(0, 10).map((message) => ({ path: where, message })));
      continue;
    }
    const { mjml: _source, ...rest } = email;
    locales[tag] = { ...variant, email: { ...rest, html } };
  }
  if (errors.length > 0)
    throw new UnprocessableRequestError(errors, 'The MJML could not be compiled');
  return { ...draft, locales };
}

function checked(deps: ManageTemplateDependencies, content: TemplateContent): CompiledContent {
  const { compiled, problems } = compileContent(deps.engine, content);
  if (problems.length > 0) {
    throw new UnprocessableRequestError(problems, 'The template has Liquid errors');
  }
  return compiled;
}

/**
 * `POST /v1/templates/{key}/publish`: the draft, MJML compiled into HTML, becomes immutable
 * version latest + 1 (who, when, the note). A concurrent publish that took the number is
 * retried once with the next; then a 409.
 */
export async function publishTemplate(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
  body: unknown,
  publisher: string,
) {
  const { note } = parsePublish(body);
  const head = await headOf(deps, tenantId, key);
  if (head.archivedAt) {
    throw new ConflictError(`Template ${key} is archived; save its draft again to restore it`);
  }
  const draft = await deps.templates.draft(tenantId, key);
  if (!draft) throw new NotFoundError(`Template ${key} not found`);
  const content = await compileMjml(deps, draft);
  checked(deps, content);
  if (Buffer.byteLength(JSON.stringify(content), 'utf8') > MAX_VERSION_BYTES) {
    throw new UnprocessableRequestError([
      {
        path: 'locales',
        message: `the compiled template is larger than ${MAX_VERSION_BYTES} bytes`,
      },
    ]);
  }
  let number = head.latestVersion + 1;
  for (let attempt = 0; attempt < 2; attempt++) {
    const version: TemplateVersion = {
      ...content,
      tenantId,
      key,
      version: number,
      publishedAt: nowIso(deps),
      publishedBy: publisher,
      ...(note !== undefined && { note }),
    };
    if (await deps.templates.publish(version)) {
      const { tenantId: _t, ...shown } = version;
      return shown;
    }
    const [newest] = await deps.templates.listVersions(tenantId, key);
    number = Math.max(newest?.version ?? 0, number) + 1;
  }
  throw new ConflictError(`Template ${key} was published concurrently; try again`);
}

/** `DELETE /v1/templates/{key}`: archived; its versions stay readable and pinned sends work. */
export async function archiveTemplate(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
) {
  parseTemplateKey(key);
  if (!(await deps.templates.archive(tenantId, key, nowIso(deps)))) {
    throw new NotFoundError(`Template ${key} not found`);
  }
}

/** `GET /v1/templates/{key}/versions`: newest first, without content. */
export async function listVersions(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
) {
  await headOf(deps, tenantId, key);
  return { items: await deps.templates.listVersions(tenantId, key) };
}

/** `GET /v1/templates/{key}/versions/{n}`. */
export async function describeVersion(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
  n: string,
) {
  const number = Number(n);
  if (!Number.isInteger(number) || number < 1) throw new NotFoundError(`Version ${n} not found`);
  const version = await resolveVersion(deps, tenantId, {
    key: parseTemplateKey(key),
    version: number,
  });
  const { tenantId: _t, ...shown } = version;
  return shown;
}

const underDraft = (e: FieldError): FieldError =>
  e.path.startsWith('locales.') || e.path === ''
    ? { ...e, path: `draft${e.path ? `.${e.path}` : ''}` }
    : e;

/** An unsaved draft sent with a preview, validated as PUT would (errors under `draft`). */
function unsaved(body: unknown): TemplateContent {
  try {
    return parseDraft(body);
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    throw new InvalidRequestError(
      error.errors.map((e) => ({ ...e, path: e.path ? `draft.${e.path}` : 'draft' })),
    );
  }
}

/**
 * `POST /v1/templates/{key}/render`: every channel rendered, nothing sent. Without `version`,
 * the draft (MJML compiled on the way, where a compiler is given).
 */
export async function previewTemplate(
  deps: ManageTemplateDependencies,
  tenantId: string,
  key: string,
  body: unknown,
): Promise<RenderedTemplate> {
  const request = parseRender(body);
  parseTemplateKey(key);
  const input = {
    data: request.data,
    ...(request.locale !== undefined && { locale: request.locale }),
    ...(request.recipient !== undefined && { recipient: request.recipient }),
  };
  if (request.version !== undefined) {
    const version = await resolveVersion(deps, tenantId, { key, version: request.version });
    const rendered = await renderCompiled(compiledVersion(deps, version), version, input);
    return { key, version: version.version, ...rendered };
  }
  const draft =
    request.draft === undefined
      ? await deps.templates.draft(tenantId, key)
      : unsaved(request.draft);
  if (!draft) throw new NotFoundError(`Template ${key} not found`);
  try {
    const content = await compileMjml(deps, draft);
    return { key, ...(await renderCompiled(checked(deps, content), content, input)) };
  } catch (error) {
    // An unsaved draft's own problems are at its paths in the request.
    if (request.draft === undefined || !(error instanceof UnprocessableRequestError)) throw error;
    throw new UnprocessableRequestError(error.errors.map(underDraft), error.message);
  }
}
