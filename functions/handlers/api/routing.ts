import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseV1Request } from '../../core/notifications/requests';
import { InvalidRequestError } from '../../core/shared/errors';
import { parseRouting, routingDefinition } from '../../core/workflows/routing';
import { runIdOf, startRun } from '../../core/workflows/trigger';
import { json, parseJsonBody } from '../../runtime/http';
import { idempotencyKeyOf } from '../../runtime/idempotency';
import { config, queue, tenantOf } from './context';
import { workflowEngine, workflowStore } from './workflow-context';

/*
 * The routing shorthand of POST /v1/notifications: `routing: {method: "first", channels, timeout}`
 * starts a workflow run (send, wait for delivered, next channel) instead of sending every channel.
 * The notification route asks here first; a body without `routing` is not ours (undefined).
 */

export const routedShape = z.strictObject({
  id: z.string().check(z.describe('the workflow run: GET /v1/workflow-runs/{id}')),
  status: z.literal('accepted'),
  routing: z.object({ method: z.literal('first'), channels: z.array(z.string()) }),
});

export async function routedSend(
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult | undefined> {
  const body = parseJsonBody(event, config.maxBodyBytes);
  if (typeof body !== 'object' || body === null || !('routing' in body)) return undefined;
  const tenantId = tenantOf(event);
  const { routing: _routing, ...plain } = body as Record<string, unknown>;
  const checked = parseV1Request(plain, {
    maxRecipientsPerChannel: config.maxRecipientsPerChannel,
    enabledChannels: queue.channels,
    now: Date.now(),
    maxScheduleAheadMs: config.maxScheduleAheadMs,
    tenantId,
    ...(config.mqttTopicPrefix && { mqttTopicPrefix: config.mqttTopicPrefix }),
    ...(config.senderDomain && { senderDomain: config.senderDomain }),
  });
  if (!checked.ok) throw new InvalidRequestError(checked.errors);
  if (checked.value.sendAt !== undefined) {
    throw new InvalidRequestError([
      { path: 'sendAt', message: 'cannot be combined with routing (use a workflow with a delay)' },
    ]);
  }
  const { routing, recipient, content } = parseRouting(body as Record<string, unknown>);
  const at = new Date().toISOString();
  const key = idempotencyKeyOf(event);
  const { run } = await startRun(
    { store: workflowStore, engine: workflowEngine },
    {
      id: runIdOf(tenantId, 'routing', key, 'routing'),
      tenantId,
      workflowKey: 'routing',
      version: 0,
      recipient,
      data: {},
      status: 'running',
      createdAt: at,
      updatedAt: at,
      steps: {},
      definition: routingDefinition(routing, content, checked.value.priority),
      ...(key !== undefined && { idempotencyKey: key }),
    },
  );
  return json(202, {
    id: run.id,
    status: 'accepted',
    routing: { method: routing.method, channels: routing.channels },
  });
}
