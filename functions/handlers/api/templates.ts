import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  archiveTemplate,
  describeTemplate,
  describeVersion,
  editDraft,
  listTemplates,
  listVersions,
  type ManageTemplateDependencies,
  previewTemplate,
  publishTemplate,
} from '../../core/templates/manage';
import type { MjmlCompiler, TemplateEngine } from '../../core/templates/ports';
import { publishBody, renderBody, templateDraftBody } from '../../core/templates/validation';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import { templateRenderDeps } from './stores';
import {
  renderedShape,
  templateListShape,
  templateShape,
  versionListShape,
  versionShape,
} from './template-shapes';

const keyOf = (event: APIGatewayProxyEvent) => pathParameter(event, 'key', 'Template');

/** Who is calling (the key id the authorizer vouched for), recorded on drafts and versions. */
function callerOf(event: APIGatewayProxyEvent): string {
  const keyId = event.requestContext.authorizer?.keyId;
  return typeof keyId === 'string' && keyId !== '' ? keyId : 'unknown';
}

/** A body that may be left out entirely (publish without a note). */
function optionalBody(event: APIGatewayProxyEvent): unknown {
  if ((event.body ?? '').trim() === '') return undefined;
  return parseJsonBody(event, config.maxBodyBytes);
}

const unprocessable = {
  description:
    'A Liquid error (syntax, unknown filter), data missing a variable or not fitting the schema, or a render limit: each at its path',
  schema: errorSchema,
};

/**
 * The template routes. `mjml` and the (eagerly loaded) `engine` are given where the routes run:
 * the templates function (handlers/templates.ts), which API Gateway sends every /v1/templates
 * route to; the api function lists them for the OpenAPI document only.
 */
export function templateRoutes(mjml?: MjmlCompiler, engine?: TemplateEngine): ApiRoute[] {
  const deps: ManageTemplateDependencies = {
    ...templateRenderDeps,
    ...(engine && { engine }),
    ...(mjml && { mjml }),
  };
  return [
    {
      method: 'GET',
      path: '/v1/templates',
      access: 'read',
      doc: {
        summary: 'The tenant’s templates, by key',
        tag: 'templates',
        query: z.strictObject({ cursor: z.optional(z.string()) }),
        responses: { 200: { description: 'A page of templates', schema: templateListShape } },
      },
      handler: async (event) =>
        json(200, await listTemplates(deps, tenantOf(event), event.queryStringParameters?.cursor)),
    },
    {
      method: 'PUT',
      path: '/v1/templates/{key}',
      access: 'admin',
      doc: {
        summary: 'Create or replace a template’s draft',
        description:
          'Content per channel and per BCP 47 locale (the default locale covers every channel); every Liquid string is parsed now. Saving restores an archived template.',
        tag: 'templates',
        body: templateDraftBody,
        responses: { 200: { description: 'Saved', schema: templateShape }, 422: unprocessable },
      },
      handler: async (event) => {
        const tenantId = tenantOf(event);
        const body = parseJsonBody(event, config.maxBodyBytes);
        return json(200, await editDraft(deps, tenantId, keyOf(event), body, callerOf(event)));
      },
    },
    {
      method: 'GET',
      path: '/v1/templates/{key}',
      access: 'read',
      doc: {
        summary: 'A template and its draft',
        tag: 'templates',
        responses: { 200: { description: 'The template', schema: templateShape } },
      },
      handler: async (event) =>
        json(200, await describeTemplate(deps, tenantOf(event), keyOf(event))),
    },
    {
      method: 'DELETE',
      path: '/v1/templates/{key}',
      access: 'admin',
      doc: {
        summary: 'Archive a template (its versions stay readable; pinned sends keep working)',
        tag: 'templates',
        responses: { 204: { description: 'Archived', schema: null } },
      },
      handler: async (event) => {
        await archiveTemplate(deps, tenantOf(event), keyOf(event));
        return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
      },
    },
    {
      method: 'POST',
      path: '/v1/templates/{key}/publish',
      access: 'admin',
      doc: {
        summary: 'Publish the draft as the next immutable version (MJML compiled to HTML here)',
        tag: 'templates',
        body: publishBody,
        responses: {
          201: { description: 'Published', schema: versionShape },
          409: { description: 'Archived, or published concurrently', schema: errorSchema },
          422: unprocessable,
        },
      },
      handler: async (event) => {
        const tenantId = tenantOf(event);
        const body = optionalBody(event);
        return json(
          201,
          await publishTemplate(deps, tenantId, keyOf(event), body, callerOf(event)),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/templates/{key}/versions',
      access: 'read',
      doc: {
        summary: 'Published versions, newest first',
        tag: 'templates',
        responses: { 200: { description: 'Versions', schema: versionListShape } },
      },
      handler: async (event) => json(200, await listVersions(deps, tenantOf(event), keyOf(event))),
    },
    {
      method: 'GET',
      path: '/v1/templates/{key}/versions/{n}',
      access: 'read',
      doc: {
        summary: 'One published version with its content',
        tag: 'templates',
        responses: { 200: { description: 'The version', schema: versionShape } },
      },
      handler: async (event) => {
        const n = pathParameter(event, 'n', 'Version');
        return json(200, await describeVersion(deps, tenantOf(event), keyOf(event), n));
      },
    },
    {
      method: 'POST',
      path: '/v1/templates/{key}/render',
      access: 'read',
      doc: {
        summary: 'Preview every channel with this data (nothing is sent)',
        description:
          'Without `version`, the draft. `locale`, or `recipient.locale`, picks the variant (fr-CA -> fr -> default). Data is at the top level of the template; recipient fields under `recipient`.',
        tag: 'templates',
        body: renderBody,
        responses: { 200: { description: 'Rendered', schema: renderedShape }, 422: unprocessable },
      },
      handler: async (event) => {
        const tenantId = tenantOf(event);
        const body = parseJsonBody(event, config.maxBodyBytes);
        return json(200, await previewTemplate(deps, tenantId, keyOf(event), body));
      },
    },
  ];
}
