import { json } from '../../runtime/http';
import { type ApiRoute, scopesOf, tenantOf } from './context';
import { meShape } from './shapes';

/** Who the caller is: the console asks this to show only what the key may do. */
export const meRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/me',
    access: 'key',
    doc: {
      summary: 'The caller: tenant, key id and scopes',
      tag: 'keys',
      responses: { 200: { description: 'The key', schema: meShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const keyId = event.requestContext.authorizer?.keyId;
      return json(200, {
        tenantId,
        keyId: typeof keyId === 'string' ? keyId : '',
        scopes: scopesOf(event),
      });
    },
  },
];
