import * as z from 'zod/mini';

/*
 * The OpenAPI 3.1 document of the API, built from the routes themselves: each route's `doc` names
 * the zod schemas its handler validates with (query, body) and answers with, so the document and
 * the validators are the same objects. Error answers are added from what the route is: keyed
 * routes can answer 401/403/429, routes with a body 400/413/415, routes with a path id 404.
 */

/** What the document says about one route; `responses` maps a status to its body schema. */
export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  /** The query-string schema (each property one parameter). */
  query?: z.ZodMiniObject;
  /** The JSON request body schema. */
  body?: z.ZodMiniType;
  /** Accepts an `Idempotency-Key` header. */
  idempotent?: boolean;
  /** Success (and route-specific error) answers; each a body schema, or null for no body. */
  responses: Record<number, { description: string; schema: z.ZodMiniType | null }>;
}

/** A route as the document needs it (functions/handlers/api/context.ts ApiRoute extends this). */
export interface DocumentedRoute {
  method: string;
  path: string;
  /** `public` (no key), `key` (any valid key) or the scope the key needs. */
  access: string;
  doc: RouteDoc;
}

/** `{ message, errors? }`: every error Herald answers. */
export const errorSchema = z
  .object({
    message: z.string(),
    errors: z.optional(
      z.array(
        z.object({
          path: z
            .string()
            .check(z.describe('the field, e.g. channels.email.to[1]; "" for the whole body')),
          message: z.string(),
        }),
      ),
    ),
  })
  .check(z.describe('An error: what went wrong and, for a 400, each bad field.'));

type JsonSchema = Record<string, unknown>;

/** zod -> JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a client must send / will receive it. */
export function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema;
  return rest;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field',
  401: 'No API key, or an unknown or revoked one',
  403: 'The API key lacks the scope this route needs',
  404: 'Not found (another tenant’s ids answer the same)',
  405: 'Method not allowed on this path',
  409: 'The current state does not allow it',
  413: 'Request body too large',
  415: 'Content-Type is not application/json',
  429: 'Throttled or over the daily quota (see Retry-After)',
};

function errorResponse(status: number): Record<string, unknown> {
  return {
    description: ERROR_STATUSES[status] ?? 'Error',
    ...(status === 429
      ? {
          headers: {
            'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
          },
        }
      : {}),
    content: { 'application/json': { schema: ERROR_REF } },
  };
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const { doc } = route;
  const keyed = route.access !== 'public';
  const parameters: Record<string, unknown>[] = [];
  for (const match of route.path.matchAll(/\{([^}]+)\}/g)) {
    parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  for (const [name, schema] of Object.entries(doc.query?.shape ?? {})) {
    const field = schema as z.ZodMiniType;
    const json = jsonSchema(field, 'input');
    const { description, ...fieldSchema } = json;
    parameters.push({
      name,
      in: 'query',
      required: !field.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    });
  }
  if (doc.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Any unique string (a UUID): a retry with the same key and body answers like the first request and sends nothing twice.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }
        : {}),
    };
  }
  const errors = new Set<number>();
  if (doc.body || doc.query) errors.add(400);
  if (doc.body) {
    errors.add(413);
    errors.add(415);
  }
  if (route.path.includes('{')) errors.add(404);
  // The stage throttle applies to every route, keyed or not.
  errors.add(429);
  if (keyed) {
    errors.add(401);
    if (route.access !== 'key') errors.add(403);
  }
  for (const status of errors) responses[String(status)] ??= errorResponse(status);
  const scope = keyed && route.access !== 'key' ? [route.access] : [];
  return {
    operationId: operationId(route),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(keyed
      ? {
          security: [{ bearerKey: scope }, { headerKey: scope }],
          'x-herald-scope': route.access,
        }
      : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** `GET /v1/notifications/{id}` -> `getV1NotificationsById`. */
function operationId(route: DocumentedRoute): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const param = /^\{(.+)\}$/.exec(part);
      const word = param ? `by-${param[1]}` : part;
      return word
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('');
    });
  return `${route.method.toLowerCase()}${words.join('')}`;
}

/** Everything besides the routes: the title, the servers, the webhook event payloads. */
export interface DocumentInfo {
  version: string;
  description: string;
  /** A description per tag (a tag without one gets a generic line). */
  tags?: Record<string, string>;
  /** Out-of-band requests Herald makes to the client (OpenAPI 3.1 `webhooks`). */
  webhooks?: Record<string, { summary: string; description?: string; schema: z.ZodMiniType }>;
}

/** The whole document. */
export function openApiDocument(routes: readonly DocumentedRoute[], info: DocumentInfo) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  const tags = [...new Set(routes.map((r) => r.doc.tag))].map((name) => ({
    name,
    description: info.tags?.[name] ?? `${name} routes`,
  }));
  const webhooks: Record<string, unknown> = {};
  for (const [name, hook] of Object.entries(info.webhooks ?? {})) {
    webhooks[name] = {
      post: {
        operationId: `webhook${name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string) => (c ?? '').toUpperCase())}`,
        summary: hook.summary,
        ...(hook.description ? { description: hook.description } : {}),
        parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({
          name,
          in: 'header',
          required: true,
          schema: { type: 'string' },
        })),
        requestBody: {
          required: true,
          content: { 'application/json': { schema: jsonSchema(hook.schema, 'output') } },
        },
        responses: {
          '200': { description: 'Any 2xx acknowledges the event' },
          '410': { description: 'Gone: Herald disables this endpoint' },
        },
        security: [],
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald notifications API',
      version: info.version,
      description: info.description,
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This deployment (the stage URL)' }],
    tags,
    paths,
    ...(Object.keys(webhooks).length > 0 ? { webhooks } : {}),
    components: {
      schemas: { Error: jsonSchema(errorSchema, 'output') },
      securitySchemes: {
        bearerKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <API key>',
        },
        headerKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}
