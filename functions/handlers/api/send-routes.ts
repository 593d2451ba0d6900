import type { ApiRoute } from './context';
import { listRoutes } from './list';
import { meRoutes } from './me';
import { notificationRoutes } from './notifications';

/**
 * The routes of the api function besides /health: sending (both API shapes, templates, recipient
 * ids, topics, the routing shorthand), listing, reading and cancelling notifications, and
 * /v1/me. The manage function imports them too, only to document them in /openapi.json.
 */
export const sendRoutes: ApiRoute[] = [...notificationRoutes, ...listRoutes, ...meRoutes];
