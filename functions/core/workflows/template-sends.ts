import type { RecipientProfile } from '../recipients/model';
import { type Category, optOutOf } from '../recipients/preferences';
import { unreachable } from '../recipients/resolve';
import type { FieldError, PathSegment } from '../shared/field-errors';
import { formatPath } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import type { DataSchema } from '../templates/data-schema';
import { validateData } from '../templates/data-schema';
import type { RunRecipient, SendStep, Step, WorkflowDefinition } from './model';

/*
 * Send steps that name a template and a category, for runs whose recipient is a recipient id: the
 * step becomes a POST /v1/notifications body `{to: [id], template, data, channels, category}`, so
 * rendering (per-recipient locale), preferences, address health and skips are the notification
 * API's own. Also the checks a definition and a trigger get for them: the template and category
 * exist (PUT, publish), the trigger data fits each template's data schema (trigger).
 */

/** Every send step of `steps` with its path, branches included. */
export function sendStepsOf(
  steps: readonly Step[],
  at: PathSegment[] = ['steps'],
): { step: SendStep; path: PathSegment[] }[] {
  return steps.flatMap((step, i) => {
    const path = [...at, i];
    if (step.type === 'send') return [{ step, path }];
    if (step.type !== 'branch') return [];
    return [
      ...sendStepsOf(step.whenTrue, [...path, 'whenTrue']),
      ...sendStepsOf(step.whenFalse, [...path, 'whenFalse']),
    ];
  });
}

/** True when a definition has template sends: its runs are for recipient ids. */
export function usesTemplates(definition: WorkflowDefinition): boolean {
  return sendStepsOf(definition.steps).some((s) => s.step.template !== undefined);
}

/** True for a run whose recipient came with inline addresses (the inline-content form). */
export function hasInlineAddresses(recipient: RunRecipient): boolean {
  return (['email', 'sms', 'whatsapp', 'push', 'slack', 'mqtt'] as const).some(
    (c) => typeof recipient[c] === 'string',
  );
}

export interface ReferenceLookup {
  /** Why the template cannot be sent (no such template, version, archived), or undefined. */
  templateProblem(ref: { key: string; version?: number }): Promise<string | undefined>;
  categoryExists(key: string): Promise<boolean>;
}

/** Each send's template and category must exist: errors at `steps[i].template.key` / `.category`. */
export async function checkReferences(
  definition: WorkflowDefinition,
  lookup: ReferenceLookup,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const { step, path } of sendStepsOf(definition.steps)) {
    if (step.template) {
      const problem = await lookup.templateProblem(step.template);
      const field = step.template.version === undefined ? 'key' : 'version';
      if (problem)
        errors.push({ path: formatPath([...path, 'template', field]), message: problem });
    }
    if (step.category !== undefined && !(await lookup.categoryExists(step.category))) {
      errors.push({
        path: formatPath([...path, 'category']),
        message: 'is not a category of this tenant (PUT /v1/categories/{key})',
      });
    }
  }
  return errors;
}

/**
 * Each send step with whether a digest (a `digest` step, or a throttle folding its overflow into
 * one) may run before it: such a send renders `data.digest` `{count, events}`, the events being the
 * data of every trigger collected.
 */
export function sendsAfterDigest(
  steps: readonly Step[],
  after = false,
): { step: SendStep; afterDigest: boolean }[] {
  const out: { step: SendStep; afterDigest: boolean }[] = [];
  let seen = after;
  for (const step of steps) {
    if (step.type === 'send') out.push({ step, afterDigest: seen });
    else if (step.type === 'digest' || (step.type === 'throttle' && step.overflow === 'digest'))
      seen = true;
    else if (step.type === 'branch') {
      const inner = [
        ...sendsAfterDigest(step.whenTrue, seen),
        ...sendsAfterDigest(step.whenFalse, seen),
      ];
      out.push(...inner);
      // A digest inside a branch may have run before the steps after it.
      if (containsDigest([...step.whenTrue, ...step.whenFalse])) seen = true;
    }
  }
  return out;
}

function containsDigest(steps: readonly Step[]): boolean {
  return steps.some(
    (s) =>
      s.type === 'digest' ||
      (s.type === 'throttle' && s.overflow === 'digest') ||
      (s.type === 'branch' && containsDigest([...s.whenTrue, ...s.whenFalse])),
  );
}

/** `data.digest.events[0].x` (the trigger's data as a digest event) -> `data.x`. */
const EVENT_PATH = /^data\.digest\.events\[0\]/;

/**
 * The trigger's `data` against each template's data schema (the template's own validation):
 * errors at `data.<field>`, each naming the step whose template refused it. A template sent after
 * a digest gets the data as it will render there: with `digest: {count, events: [data]}`, so
 * the schema of the events is held to each trigger's data before its event is collected.
 */
export async function checkTriggerData(
  definition: WorkflowDefinition,
  data: Record<string, unknown>,
  schemaOf: (ref: { key: string; version?: number }) => Promise<DataSchema | undefined>,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const checked = new Set<string>();
  const seen = new Set<string>();
  for (const { step, afterDigest } of sendsAfterDigest(definition.steps)) {
    if (!step.template) continue;
    // Each template (and version) once per form, however many steps send it.
    const id = `${step.template.key}@${step.template.version ?? 'latest'}@${afterDigest}`;
    if (checked.has(id)) continue;
    checked.add(id);
    const schema = await schemaOf(step.template);
    if (!schema) continue;
    const value = afterDigest ? { ...data, digest: { count: 1, events: [data] } } : data;
    for (const e of validateData(schema, value, ['data'])) {
      const asEvent = EVENT_PATH.test(e.path);
      const path = asEvent ? e.path.replace(EVENT_PATH, 'data') : e.path;
      const message = `${e.message}${asEvent ? ' (as an event of the digest)' : ''} (template ${step.template.key}, first sent by step ${step.id})`;
      if (seen.has(`${path}\u0000${message}`)) continue;
      seen.add(`${path}\u0000${message}`);
      errors.push({ path, message });
    }
  }
  return errors;
}

/** The first listed channel the profile can be reached on (a healthy address, not opted out). */
export function firstReachable(
  channels: readonly Channel[],
  profile: RecipientProfile,
  category: Category | undefined,
): Channel | undefined {
  return channels.find((channel) => {
    if (optOutOf(profile.preferences, channel, category)) return false;
    const healths =
      channel === 'email'
        ? profile.emails.map((e) => ({ h: e, applies: undefined }))
        : channel === 'sms' || channel === 'whatsapp'
          ? profile.phones.map((p) => ({ h: p, applies: p.channels }))
          : channel === 'push'
            ? profile.pushTokens.map((t) => ({ h: t, applies: undefined }))
            : channel === 'slack'
              ? profile.slack
                ? [{ h: profile.slack, applies: undefined }]
                : []
              : profile.mqtt
                ? [{ h: profile.mqtt, applies: undefined }]
                : [];
    return healths.some(({ h, applies }) => unreachable(h, channel, applies) === undefined);
  });
}

/** The notification body of a template send step for a run's recipient id. */
export function templateSendBody(
  step: SendStep & { template: { key: string; version?: number } },
  input: {
    recipientId: string;
    data: Record<string, unknown>;
    channels?: Channel[];
    metadata: Record<string, string>;
    priority: 'high' | 'normal';
  },
): Record<string, unknown> {
  const channels = input.channels ?? step.channels;
  return {
    to: [input.recipientId],
    template: step.template,
    data: input.data,
    ...(channels && { channels }),
    ...(step.category !== undefined && { category: step.category }),
    priority: input.priority,
    metadata: input.metadata,
  };
}
