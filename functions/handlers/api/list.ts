import { listNotifications } from '../../core/notifications/list';
import { listQuerySchema, parseListQuery } from '../../core/notifications/requests/list-query';
import { InvalidRequestError } from '../../core/shared/errors';
import { json } from '../../runtime/http';
import { type ApiRoute, notificationIndex, tenantOf } from './context';
import { pageShape } from './shapes';

/** GET /v1/notifications: the caller's notifications, newest first, filtered and paged. */
export const listRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/notifications',
    access: 'read',
    doc: {
      summary: 'List notifications, newest first',
      description:
        'Filters combine. One metadata filter may be given as `metadata.<key>=<value>`. A page may hold fewer than `limit` items (a sparse filter reads a bounded number of rows per call) and still carry `nextCursor`: follow it until it is absent.',
      tag: 'notifications',
      query: listQuerySchema,
      responses: { 200: { description: 'A page', schema: pageShape } },
    },
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
