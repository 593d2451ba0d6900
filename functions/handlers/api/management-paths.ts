/*
 * Which paths the manage function serves (functions/handlers/manage.ts): the management routes
 * (admin and read routes of the capabilities, whose cold start matters less), the public links
 * that carry their own credential (unsubscribe, Twilio status callbacks) and /openapi.json (it
 * documents every route, so it needs every route's schemas). API Gateway routes each of these
 * resources to the manage function (lib/constructs/management.ts), the local HTTP API by this
 * predicate; everything else (sends, reads of notifications, /v1/me, /health) is the api function's.
 * No route module is imported here: the api function and the local stack import this file.
 */

/** Path prefixes of the manage function: the prefix itself and everything below it. */
export const MANAGEMENT_PREFIXES = [
  '/v1/webhooks',
  '/v1/suppressions',
  '/v1/recipients',
  '/v1/categories',
  '/v1/unsubscribe',
  '/v1/topics',
  '/v1/providers',
  '/v1/dlq',
  '/v1/workflows',
  '/v1/workflow-runs',
  '/v1/workflow-triggers',
] as const;

/** True when `path` (no stage prefix, no query) is served by the manage function. */
export function isManagementPath(path: string): boolean {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/openapi.json') return true;
  return MANAGEMENT_PREFIXES.some(
    (prefix) => trimmed === prefix || trimmed.startsWith(`${prefix}/`),
  );
}
