import { json } from '../../runtime/http';
import type { ApiRoute } from './context';
import { healthShape } from './shapes';

/** GET /health, without a key: the api function's liveness probe (no OpenAPI generator here). */
export const healthRoute: ApiRoute = {
  method: 'GET',
  path: '/health',
  access: 'public',
  doc: {
    summary: 'Liveness',
    tag: 'meta',
    responses: { 200: { description: 'Up', schema: healthShape } },
  },
  handler: async () => json(200, { status: 'ok' }),
};
