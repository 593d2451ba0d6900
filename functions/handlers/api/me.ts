import { json } from '../../runtime/http';
import { type ApiRoute, scopesOf, tenantOf } from './context';

/** Who the caller is: the console asks this to show only what the key may do. */
export const meRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/me',
    access: 'key',
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
