import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { parseV1Request } from '../../core/notifications/requests';
import { InvalidRequestError } from '../../core/shared/errors';
import { parseRouting, routingDefinition } from '../../core/workflows/routing';
import { routedRecipientSend } from '../../core/workflows/routing-recipients';
import { runIdOf, startRun } from '../../core/workflows/trigger';
import { json, parseJsonBody } from '../../runtime/http';
import { idempotencyKeyOf } from '../../runtime/idempotency';
import { config, queue, tenantOf } from './context';
import { withTenantIdentities } from './provider-email';
import { workflowEngine, workflowStore } from './workflow-context';
import { triggerTemplates, workflowReferences } from './workflow-templates';

/*
 * The routing shorthand of POST /v1/notifications: `routing: {method: "first", channels, timeout}`
 * starts a workflow run (send, wait for delivered, next channel) instead of sending every channel.
 * The notification route asks here first; a body without `routing` is not ours (undefined).
 */

export const routedShape = z.strictObject({
  id: z.optional(
    z.string().check(z.describe('the workflow run (inline addresses): GET /v1/workflow-runs/{id}')),
  ),
  runs: z.optional(
    z
      .array(z.object({ id: z.string(), recipient: z.string(), replayed: z.optional(z.boolean()) }))
      .check(z.describe('with `to`: one run per recipient, in the order of `to`')),
  ),
  status: z.literal('accepted'),
  routing: z.object({ method: z.literal('first'), channels: z.array(z.string()) }),
});

// A tenant with its own email identities may only send from them (provider-email.ts).
const validationOf = (tenantId: string) =>
  withTenantIdentities(
    {
      maxRecipientsPerChannel: config.maxRecipientsPerChannel,
      enabledChannels: queue.channels,
      now: Date.now(),
      maxScheduleAheadMs: config.maxScheduleAheadMs,
      tenantId,
      ...(config.mqttTopicPrefix && { mqttTopicPrefix: config.mqttTopicPrefix }),
      ...(config.senderDomain && { senderDomain: config.senderDomain }),
    },
    tenantId,
  );

export async function routedSend(
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult | undefined> {
  const body = parseJsonBody(event, config.maxBodyBytes);
  if (typeof body !== 'object' || body === null || !('routing' in body)) return undefined;
  const tenantId = tenantOf(event);
  if ('to' in body) {
    // To recipient ids, with a template or content only (core/workflows/routing-recipients.ts).
    const key = idempotencyKeyOf(event);
    const { runs, routing } = await routedRecipientSend(
      {
        store: workflowStore,
        engine: workflowEngine,
        templates: triggerTemplates,
        references: workflowReferences(tenantId),
      },
      {
        tenantId,
        body: body as Record<string, unknown>,
        validation: await validationOf(tenantId),
        now: Date.now(),
        ...(key !== undefined && { idempotencyKey: key }),
      },
    );
    return json(202, { status: 'accepted', routing, runs });
  }
  const { routing: _routing, ...plain } = body as Record<string, unknown>;
  const checked = parseV1Request(plain, await validationOf(tenantId));
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
      definition: routingDefinition(routing, { content }, checked.value.priority),
      ...(key !== undefined && { idempotencyKey: key }),
    },
  );
  return json(202, {
    id: run.id,
    status: 'accepted',
    routing: { method: routing.method, channels: routing.channels },
  });
}
