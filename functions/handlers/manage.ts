import type { ApiRoute } from './api/context';
import { managementRoutes } from './api/management-routes';
import { publicRoutes } from './api/openapi';
import { routeHandler } from './api/router';
import { sendRoutes } from './api/send-routes';
import { templateRoutes } from './api/templates';

/*
 * The manage function: the management routes (management-routes.ts; which paths:
 * management-paths.ts), so the api function keeps only the send and read path and its cold start
 * loads none of them (docs/architecture.md, Bundles). It serves /openapi.json too: the document
 * lists every route of the API (the api function's, these, the templates function's), from the
 * same route objects each function serves.
 */
const documented = (): readonly ApiRoute[] => [
  ...publicRoutes(documented),
  ...sendRoutes,
  ...managementRoutes,
  ...templateRoutes(),
];

const routes: ApiRoute[] = [
  ...publicRoutes(documented).filter((route) => route.path === '/openapi.json'),
  ...managementRoutes,
];

/** API Gateway REST proxy integration for the management routes and /openapi.json. */
export const handler = routeHandler(routes);
