import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { DynamoWorkflowStore, Waiter } from '../adapters/dynamodb/workflow-store';
import { type IngestDependencies, ingestNotification } from '../core/notifications/ingest';
import type { NotificationRepository } from '../core/notifications/ports';
import {
  parseV1Request,
  type ValidationOptions,
  type ValidationResult,
} from '../core/notifications/requests';
import type { RecipientProfile } from '../core/recipients/model';
import type { Category } from '../core/recipients/preferences';
import { InvalidRequestError, UnprocessableRequestError } from '../core/shared/errors';
import { CHANNELS, type Channel } from '../core/shared/vocabulary';
import { stepOutcome } from '../core/workflows/conditions';
import type { GateStore } from '../core/workflows/gates';
import type { RunRecord, SendStep } from '../core/workflows/model';
import type { WorkflowEngine } from '../core/workflows/ports';
import type { Digest, RunEffects, SendResult } from '../core/workflows/run';
import { contentToRecipientBody, sendBody } from '../core/workflows/send-request';
import {
  firstReachable,
  hasInlineAddresses,
  templateSendBody,
} from '../core/workflows/template-sends';
import type { Idempotency } from './idempotency';

/*
 * What a run does to the outside world, for the workflow function: sends through the same
 * validation and ingest as POST /v1/notifications, once per (run, step) by an Idempotency key;
 * waits registered where the stream bridge (workflow-bridge.ts) finds them.
 */

export interface RunEffectsDependencies {
  runs: DynamoWorkflowStore;
  notifications: Pick<NotificationRepository, 'get'>;
  ingest: IngestDependencies;
  idempotency: Idempotency;
  engine: WorkflowEngine;
  gates: GateStore;
  validation: (tenantId: string) => ValidationOptions;
  context: () => Context;
  /**
   * The notification API's own parser for `{to: [ids], template, data, category}` bodies
   * (render per recipient, resolve profiles, preferences, skips); handlers/workflow-sends.ts.
   */
  parse: (body: unknown, options: ValidationOptions) => Promise<ValidationResult>;
  profiles: { get(tenantId: string, id: string): Promise<RecipientProfile | undefined> };
  categories: { get(tenantId: string, key: string): Promise<Category | undefined> };
}

/** A run for a recipient id reads the profile once: timezone, quiet hours, locale, name, attributes. */
async function withProfile(deps: RunEffectsDependencies, run: RunRecord): Promise<RunRecord> {
  if (hasInlineAddresses(run.recipient)) return run;
  const profile = await deps.profiles.get(run.tenantId, run.recipient.id);
  if (!profile) return run;
  return {
    ...run,
    recipient: {
      ...run.recipient,
      ...(profile.timezone !== undefined && { timezone: profile.timezone }),
      ...(profile.quietHours !== undefined && { quietHours: profile.quietHours }),
      attributes: {
        ...profile.attributes,
        ...(profile.name !== undefined && { name: profile.name }),
        ...(profile.locale !== undefined && { locale: profile.locale }),
      },
    },
  };
}

/** The body of a send for a run: inline content + addresses, or a template to the recipient id. */
async function bodyOf(
  deps: RunEffectsDependencies,
  run: RunRecord,
  step: SendStep,
  metadata: Record<string, string>,
  priority: 'high' | 'normal',
  digest: Digest | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (!step.template && hasInlineAddresses(run.recipient)) {
    return sendBody(step, run.recipient, metadata, priority, {
      data: run.data,
      ...(digest && { digest }),
    });
  }
  let channels: Channel[] | undefined;
  if (step.mode === 'any' || step.mode === 'first') {
    const listed = step.channels ?? [...CHANNELS];
    const [profile, category] = await Promise.all([
      deps.profiles.get(run.tenantId, run.recipient.id),
      step.category ? deps.categories.get(run.tenantId, step.category) : undefined,
    ]);
    const pick = profile && firstReachable(listed, profile, category);
    // None reachable: every listed channel, so each skip is recorded with its reason.
    channels = pick ? [pick] : listed;
  }
  if (!step.template) {
    // Inline content to a recipient id: the profile's addresses (the routing shorthand's `to`).
    return contentToRecipientBody(step, {
      recipientId: run.recipient.id,
      channels: channels ?? step.channels ?? [],
      metadata,
      priority,
      vars: { data: run.data, ...(digest && { digest }) },
    });
  }
  return templateSendBody(step as SendStep & { template: { key: string } }, {
    recipientId: run.recipient.id,
    data: { ...run.data, ...(digest && { digest }) },
    ...(channels && { channels }),
    metadata,
    priority,
  });
}

async function parseBody(
  deps: RunEffectsDependencies,
  step: SendStep,
  body: Record<string, unknown>,
  options: ValidationOptions,
): Promise<ValidationResult> {
  if (!step.template && !('to' in body)) return parseV1Request(body, options);
  try {
    return await deps.parse(body, options);
  } catch (error) {
    if (error instanceof InvalidRequestError || error instanceof UnprocessableRequestError)
      return { ok: false, errors: [...error.errors] };
    throw error;
  }
}

export function createRunEffects(deps: RunEffectsDependencies): RunEffects {
  const { runs } = deps;
  return {
    async load(runId) {
      const run = await runs.getRun(runId);
      if (!run) throw new Error(`run ${runId} not found`);
      if (run.definition) return { run: await withProfile(deps, run), definition: run.definition };
      const version = await runs.getVersion(run.tenantId, run.workflowKey, run.version);
      if (!version) throw new Error(`workflow ${run.workflowKey} version ${run.version} not found`);
      return { run: await withProfile(deps, run), definition: version.definition };
    },
    gates: deps.gates,
    async send(run, step, definition, digest): Promise<SendResult> {
      const metadata: Record<string, string> = {
        workflow: run.workflowKey,
        workflowRunId: run.id,
        workflowStep: step.id,
      };
      if (digest) metadata.digestCount = String(digest.count);
      const priority = definition.critical ? 'high' : 'normal';
      const body = await bodyOf(deps, run, step, metadata, priority, digest);
      const at = new Date().toISOString();
      if (!body) {
        const why = `no address for ${(step.channels ?? []).join(', ')}`;
        await runs.recordStep(run.id, { id: step.id, type: 'send', at, decision: 'skipped', why });
        return { sent: false, decision: 'skipped', why };
      }
      const parsed = await parseBody(deps, step, body, deps.validation(run.tenantId));
      if (!parsed.ok) {
        const why = parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
        await runs.recordStep(run.id, { id: step.id, type: 'send', at, decision: 'failed', why });
        return { sent: false, decision: 'failed', why };
      }
      if (!(await runs.beginSend(run.id, step.id))) {
        return {
          sent: false,
          decision: 'cancelled',
          why: 'the run was cancelled before this send',
        };
      }
      try {
        const answer = await deps.idempotency.run(
          { tenantId: run.tenantId, route: 'workflow-send', key: `${run.id}#${step.id}`, body },
          deps.context(),
          async () => {
            const accepted = await ingestNotification(deps.ingest, parsed.value, {
              id: randomUUID(),
              tenantId: run.tenantId,
              now: Date.now(),
            });
            return { statusCode: 202, body: accepted };
          },
        );
        const accepted = JSON.parse(answer.body) as { id?: string; message?: string };
        if (answer.statusCode !== 202 || !accepted.id) {
          throw new Error(`send ${step.id}: ${answer.statusCode} ${accepted.message ?? ''}`);
        }
        const found = await deps.notifications.get(accepted.id);
        const deliveries = (found?.deliveries ?? []).map((d) => ({
          id: d.deliveryId,
          channel: d.channel,
        }));
        await runs.recordStep(run.id, {
          id: step.id,
          type: 'send',
          at,
          decision: 'sent',
          why: `on ${Object.keys(parsed.value.channels).join(', ')}`,
          notificationId: accepted.id,
          deliveries,
        });
        return { sent: true, notificationId: accepted.id, deliveries };
      } finally {
        await runs.endSend(run.id);
      }
    },
    record: (runId, step) => runs.recordStep(runId, step),
    async watch(run, wait, notificationId, callbackId) {
      const waiter: Waiter = {
        runId: run.id,
        tenantId: run.tenantId,
        sendStep: wait.step,
        waitStep: wait.id,
        status: wait.status,
        notificationId,
        callbackId,
      };
      await runs.putWaiter(waiter);
      // The deliveries may have decided already (before the wait was registered).
      await settleWaiter(deps, waiter);
    },
    unwatch: (run, wait) => runs.deleteWaiter(run.id, wait.step),
    async finish(runId, status, reason) {
      await runs.finishRun(runId, status, reason);
    },
    now: () => Date.now(),
  };
}

/** Completes the waiter's callback when its deliveries decide the wait; true when they did. */
export async function settleWaiter(
  deps: Pick<RunEffectsDependencies, 'runs' | 'notifications' | 'engine'>,
  waiter: Waiter,
): Promise<boolean> {
  const found = await deps.notifications.get(waiter.notificationId);
  const outcome = stepOutcome(waiter.status, found?.deliveries ?? []);
  if (!outcome) return false;
  await deps.engine.completeCallback(waiter.callbackId, outcome);
  await deps.runs.deleteWaiter(waiter.runId, waiter.sendStep);
  return true;
}
