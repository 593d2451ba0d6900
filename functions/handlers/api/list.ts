import { InvalidRequestError } from '../../core/errors';
import { listNotifications } from '../../core/use-cases/list';
import { parseListQuery } from '../../core/validation/list-query';
import { json } from '../../runtime/http';
import { type ApiRoute, notificationIndex, tenantOf } from './context';

/** GET /v1/notifications: the caller's notifications, newest first, filtered and paged. */
export const listRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/notifications',
    access: 'read',
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const repeated = Object.entries(event.multiValueQueryStringParameters ?? {})
        .filter(([, values]) => (values?.length ?? 0) > 1)
        .map(([name]) => name);
      const query = parseListQuery(event.queryStringParameters, repeated);
      if (!query.ok) throw new InvalidRequestError(query.errors);
      return json(200, await listNotifications(notificationIndex, tenantId, query.value));
    },
  },
];
