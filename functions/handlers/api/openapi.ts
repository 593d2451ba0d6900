import { openApiDocument } from '../../runtime/openapi';
import type { ApiRoute } from './context';
import {
  deliveryEventShape,
  notificationCompletedShape,
  webhookDisabledShape,
  webhookTestShape,
} from './event-shapes';
import { healthRoute } from './health';

const DESCRIPTION = `Multichannel notifications (email, SMS, WhatsApp, push, Slack, MQTT).

Every route but /health and /openapi.json needs an API key, as \`Authorization: Bearer <key>\` or
\`x-api-key: <key>\`. Keys carry scopes: \`send\` (send and cancel), \`read\` (GET), \`admin\`
(DLQ replay, suppressions, webhooks); a missing scope is a 403 that names it. Errors are
\`{ message, errors?: [{ path, message }] }\`.`;

const TAGS: Record<string, string> = {
  notifications: 'Send, list, read and cancel notifications',
  compatibility: 'The request shapes of the service Herald replaced',
  keys: 'The calling API key',
  dlq: 'Dead letters: look at and replay the tenant’s own (admin scope)',
  meta: 'Liveness and this document',
  webhooks: 'Signed event delivery to the tenant’s endpoints (Standard Webhooks)',
  templates: 'Messages per channel and locale (Liquid), versioned; rendered at send',
};

/**
 * GET /health and GET /openapi.json (both without a key). The document is built once per
 * container from `routes()` (every route of the api function, this one included).
 */
export function publicRoutes(routes: () => readonly ApiRoute[]): ApiRoute[] {
  let document: string | undefined;
  return [
    healthRoute,
    {
      method: 'GET',
      path: '/openapi.json',
      access: 'public',
      doc: {
        summary: 'This document (OpenAPI 3.1)',
        tag: 'meta',
        responses: { 200: { description: 'The OpenAPI document', schema: null } },
      },
      handler: async () => {
        document ??= JSON.stringify(
          openApiDocument(routes(), {
            version: 'v1',
            description: DESCRIPTION,
            tags: TAGS,
            webhooks: EVENT_WEBHOOKS,
          }),
        );
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
          body: document,
        };
      },
    },
  ];
}

const SIGNED =
  'Signed with Standard Webhooks: verify `webhook-signature` (v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">) with the secret shown when the webhook was created; `webhook-id` is the event id, the same on every retry.';

/** What Herald POSTs to webhooks (and publishes on the events topic). */
const EVENT_WEBHOOKS = {
  deliveryEvent: {
    summary: 'delivery.<status> and delivery.retrying: one delivery changed',
    description: SIGNED,
    schema: deliveryEventShape,
  },
  notificationCompleted: {
    summary: 'notification.completed: every delivery of a notification is final',
    description: SIGNED,
    schema: notificationCompletedShape,
  },
  webhookDisabled: {
    summary: 'webhook.disabled: Herald switched an endpoint off (410 Gone, or 3 days of failures)',
    description: SIGNED,
    schema: webhookDisabledShape,
  },
  webhookTest: {
    summary: 'webhook.test: sent by POST /v1/webhooks/{id}/test',
    description: SIGNED,
    schema: webhookTestShape,
  },
};
