import * as z from 'zod/mini';
import { parseSlackAllowList, slackAllowListSchema } from '../../core/providers/slack-allow-list';
import { NotFoundError } from '../../core/shared/errors';
import { json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, tenantOf } from './context';
import { allowLists, hasOwnBot } from './tenant-validation';

const allowListShape = z.object({
  mode: z
    .enum(['own-bot', 'allow-list', 'any', 'none'])
    .check(
      z.describe(
        'own-bot: the tenant posts with its own bot, the list does not apply; allow-list: to the listed channels only; any: no list, the stack lets tenants post anywhere; none: no list, and the stack requires one',
      ),
    ),
  channels: z.optional(z.array(z.string())),
  updatedAt: z.optional(z.string()),
});

async function present(tenantId: string) {
  allowLists.forget(tenantId);
  const [list, ownBot] = await Promise.all([allowLists.store.get(tenantId), hasOwnBot(tenantId)]);
  const mode = ownBot ? 'own-bot' : list ? 'allow-list' : allowLists.required ? 'none' : 'any';
  return { mode, ...(list && { channels: list.channels, updatedAt: list.updatedAt }) };
}

const path = '/v1/providers/slack-allow-list';

/** The channels a tenant may post to through the stack's Slack bot. */
export const slackAllowListRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path,
    access: 'read',
    doc: {
      summary: 'The channels this tenant may post to through the stack’s Slack bot',
      tag: 'providers',
      responses: {
        200: { description: 'The list and whether it applies', schema: allowListShape },
      },
    },
    handler: async (event) => json(200, await present(tenantOf(event))),
  },
  {
    method: 'PUT',
    path,
    access: 'admin',
    doc: {
      summary: 'Set the channels this tenant may post to through the stack’s Slack bot',
      description:
        'For a tenant without a Slack bot of its own (PUT /v1/providers/slack/{name}): a Slack message to any other channel is a 400 at the channel field, nothing enqueued; a channel from a recipient profile, a topic or a workflow that is not listed fails its delivery (channel_not_allowed). A tenant with its own bot is not affected. Without a list, the stack decides: any channel (default), or none (SLACK_ALLOW_LIST_REQUIRED).',
      tag: 'providers',
      body: slackAllowListSchema,
      responses: { 200: { description: 'The list, in force', schema: allowListShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const channels = parseSlackAllowList(parseJsonBody(event, config.maxBodyBytes));
      await allowLists.store.put(tenantId, { channels, updatedAt: new Date().toISOString() });
      return json(200, await present(tenantId));
    },
  },
  {
    method: 'DELETE',
    path,
    access: 'admin',
    doc: {
      summary: 'Remove the allow-list: the stack’s rule for tenants without one applies',
      tag: 'providers',
      responses: {
        204: { description: 'Removed', schema: null },
        404: { description: 'This tenant has no list', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      if (!(await allowLists.store.remove(tenantId))) {
        throw new NotFoundError('This tenant has no Slack allow-list');
      }
      allowLists.forget(tenantId);
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
];
