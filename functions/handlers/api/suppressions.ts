import { NotFoundError } from '../../core/shared/errors';
import { normalizeRecipient, type SuppressionEntry } from '../../core/suppressions/model';
import {
  parseChannelParameter,
  parseSuppressionQuery,
  parseSuppressionRequest,
  suppressionBodySchema,
  suppressionQuerySchema,
} from '../../core/suppressions/request';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, suppressions, tenantOf } from './context';
import { suppressionPageShape, suppressionShape } from './shapes';

/** Present an entry without the tenant (the caller's own, always). */
const present = ({ tenantId: _tenant, ...entry }: SuppressionEntry) => entry;

/** The tenant's suppression list: list, add, lift. Another tenant's entries are never read. */
export const suppressionRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/suppressions',
    access: 'read',
    doc: {
      summary: "The tenant's suppression list",
      description:
        'Recipients that get nothing on a channel: bounced or complained email addresses, numbers that replied STOP, unregistered push tokens, and entries added by hand. Checked when a delivery is about to be sent; a suppressed delivery is recorded `suppressed` without a provider call.',
      tag: 'suppressions',
      query: suppressionQuerySchema,
      responses: { 200: { description: 'A page', schema: suppressionPageShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const query = parseSuppressionQuery(event.queryStringParameters);
      const page = await suppressions.list(tenantId, query);
      return json(200, {
        items: page.items.map(present),
        ...(page.nextCursor && { nextCursor: page.nextCursor }),
      });
    },
  },
  {
    method: 'POST',
    path: '/v1/suppressions',
    // Lifting a suppression can mean mailing someone who complained: an admin decision.
    access: 'admin',
    doc: {
      summary: 'Suppress a recipient on a channel',
      tag: 'suppressions',
      body: suppressionBodySchema,
      responses: {
        201: { description: 'Added', schema: suppressionShape },
        200: { description: 'Already there: the first entry stays', schema: suppressionShape },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const request = parseSuppressionRequest(parseJsonBody(event, config.maxBodyBytes));
      const entry = {
        tenantId,
        channel: request.channel,
        recipient: normalizeRecipient(request.channel, request.recipient),
        reason: request.reason,
        source: 'api',
        createdAt: new Date().toISOString(),
      };
      const added = await suppressions.add(entry);
      // Adding what is already there is not an error: the first entry (reason, time) stays.
      return json(added ? 201 : 200, present(entry));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/suppressions/{channel}/{recipient}',
    access: 'admin',
    doc: {
      summary: 'Lift a suppression',
      description: 'The recipient as listed, %-encoded. The next delivery to it is sent.',
      tag: 'suppressions',
      responses: {
        204: { description: 'Lifted', schema: null },
        404: { description: 'Not on the list', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const channel = parseChannelParameter(pathParameter(event, 'channel', 'Suppression'));
      const recipient = pathParameter(event, 'recipient', 'Suppression');
      if (!(await suppressions.remove(tenantId, channel, recipient))) {
        throw new NotFoundError(`${channel} recipient is not on the suppression list`);
      }
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
