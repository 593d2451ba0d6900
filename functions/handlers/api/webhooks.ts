import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DynamoWebhookStore } from '../../adapters/dynamodb/webhook-store';
import { DnsUrlGuard } from '../../adapters/http/url-guard';
import { SqsWebhookQueue } from '../../adapters/sqs/webhook-queue';
import {
  createWebhook,
  deleteWebhook,
  describeWebhook,
  listWebhooks,
  type ManageWebhookDependencies,
  rotateWebhookSecret,
  setWebhookEnabled,
  testWebhook,
} from '../../core/webhooks/manage';
import { dynamo, sqs } from '../../runtime/aws-clients';
import { loadApiWebhookConfig } from '../../runtime/events-config';
import { HttpError, json, parseJsonBody } from '../../runtime/http';
import { errorSchema } from '../../runtime/openapi';
import { type ApiRoute, config, pathParameter, tenantOf } from './context';
import {
  createdWebhookShape,
  createWebhookBody,
  patchWebhookBody,
  rotatedSecretShape,
  testQueuedShape,
  webhookDetailShape,
  webhookListShape,
  webhookShape,
} from './event-shapes';

const settings = loadApiWebhookConfig();
const deps: ManageWebhookDependencies | undefined = settings && {
  webhooks: new DynamoWebhookStore(dynamo, config.tableName),
  queue: new SqsWebhookQueue(sqs, settings.queueUrl),
  guard: new DnsUrlGuard(settings.policy),
};

/** The webhook dependencies, or a 404 in a deployment without webhooks. */
function webhookDeps(): ManageWebhookDependencies {
  if (!deps) throw new HttpError(404, 'Webhooks are not enabled in this deployment');
  return deps;
}

const idOf = (event: APIGatewayProxyEvent) => pathParameter(event, 'id', 'Webhook');

/** A tenant's signed event endpoints (Standard Webhooks): managing them needs `admin`. */
export const webhookRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/v1/webhooks',
    access: 'admin',
    doc: {
      summary: 'Create a webhook (the signing secret is in this answer only)',
      tag: 'webhooks',
      body: createWebhookBody,
      responses: {
        201: { description: 'Created', schema: createdWebhookShape },
        409: { description: 'The tenant already has 10 webhooks', schema: errorSchema },
      },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      return json(201, await createWebhook(webhookDeps(), tenantId, body));
    },
  },
  {
    method: 'GET',
    path: '/v1/webhooks',
    access: 'read',
    doc: {
      summary: 'The tenant’s webhooks (no secrets)',
      tag: 'webhooks',
      responses: { 200: { description: 'Every webhook of the tenant', schema: webhookListShape } },
    },
    handler: async (event) => json(200, await listWebhooks(webhookDeps(), tenantOf(event))),
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}',
    access: 'read',
    doc: {
      summary: 'A webhook and its latest delivery attempts',
      tag: 'webhooks',
      responses: { 200: { description: 'The webhook', schema: webhookDetailShape } },
    },
    handler: async (event) =>
      json(200, await describeWebhook(webhookDeps(), tenantOf(event), idOf(event))),
  },
  {
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    access: 'admin',
    doc: {
      summary: 'Enable or disable a webhook',
      tag: 'webhooks',
      body: patchWebhookBody,
      responses: { 200: { description: 'The webhook', schema: webhookShape } },
    },
    handler: async (event) => {
      const tenantId = tenantOf(event);
      const body = parseJsonBody(event, config.maxBodyBytes);
      return json(200, await setWebhookEnabled(webhookDeps(), tenantId, idOf(event), body));
    },
  },
  {
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    access: 'admin',
    doc: {
      summary: 'Delete a webhook',
      tag: 'webhooks',
      responses: { 204: { description: 'Deleted', schema: null } },
    },
    handler: async (event) => {
      await deleteWebhook(webhookDeps(), tenantOf(event), idOf(event));
      return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
    },
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/test',
    access: 'admin',
    doc: {
      summary: 'Send a webhook.test event to the endpoint',
      tag: 'webhooks',
      responses: {
        202: { description: 'Queued', schema: testQueuedShape },
        409: { description: 'The webhook is disabled', schema: errorSchema },
      },
    },
    handler: async (event) =>
      json(202, await testWebhook(webhookDeps(), tenantOf(event), idOf(event))),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    access: 'admin',
    doc: {
      summary: 'A new signing secret (the previous one keeps signing for 24 hours)',
      tag: 'webhooks',
      responses: { 200: { description: 'The new secret', schema: rotatedSecretShape } },
    },
    handler: async (event) =>
      json(200, await rotateWebhookSecret(webhookDeps(), tenantOf(event), idOf(event))),
  },
];
