import * as z from 'zod/mini';
import { quietHoursSchema, stepSchemas } from './step-schemas';

export { definitionSchema, isTimeZone } from './step-schemas';

import { InvalidRequestError } from '../shared/errors';
import type { FieldError, PathSegment } from '../shared/field-errors';
import { formatPath, validateAt } from '../shared/field-errors';
import { parseDuration } from './duration';
import {
  MAX_BRANCH_DEPTH,
  MAX_RUN_WAIT_SECONDS,
  MAX_STEPS,
  MAX_WAIT_SECONDS,
  type Step,
  type WorkflowDefinition,
} from './model';

/*
 * A workflow definition, validated whole: each step's fields, then the rules across steps
 * (unique ids, references to steps that run earlier, waits the engine can hold). Every problem
 * is reported with its path (`steps[2].whenFalse[0].timeout`); nothing is stored for an invalid one.
 */

/** Checks a send step's content for its channels; errors at paths under `at`. */
export type SendContentCheck = (step: Step & { type: 'send' }, at: PathSegment[]) => FieldError[];

interface Walk {
  errors: FieldError[];
  /** Every id seen so far, and which ran before the current step (on its path). */
  ids: Map<string, Step['type']>;
  count: number;
  check: SendContentCheck;
  /** Every id anywhere in the definition (to tell a loop from an unknown step). */
  all: Set<string>;
}

function rawIds(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item) => {
    const step = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return [
      ...(typeof step.id === 'string' ? [step.id] : []),
      ...rawIds(step.whenTrue),
      ...rawIds(step.whenFalse),
    ];
  });
}

/** Parses a definition; InvalidRequestError with every problem's path. */
export function parseDefinition(body: unknown, check: SendContentCheck): WorkflowDefinition {
  const errors: FieldError[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError([{ path: '', message: 'must be a JSON object' }]);
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['steps', 'critical', 'quietHours', 'description'].includes(key))
      errors.push({ path: key, message: 'unknown field' });
  }
  const critical = validateAt(z.optional(z.boolean()), input.critical, ['critical'], errors);
  const quiet = validateAt(z.optional(quietHoursSchema), input.quietHours, ['quietHours'], errors);
  const description = validateAt(
    z.optional(z.string().check(z.maxLength(500))),
    input.description,
    ['description'],
    errors,
  );
  const walk: Walk = { errors, ids: new Map(), count: 0, check, all: new Set(rawIds(input.steps)) };
  let steps: Step[] = [];
  if (!Array.isArray(input.steps) || input.steps.length === 0) {
    errors.push({ path: 'steps', message: 'must be a non-empty array' });
  } else {
    steps = parseSteps(input.steps, ['steps'], new Set(), walk, 1).steps;
  }
  if (walk.count > MAX_STEPS)
    errors.push({ path: 'steps', message: `must hold at most ${MAX_STEPS} steps in all` });
  if (errors.length > 0) throw new InvalidRequestError(errors);
  return {
    steps,
    ...(critical?.value !== undefined && { critical: critical.value }),
    ...(quiet?.value !== undefined && { quietHours: quiet.value }),
    ...(description?.value !== undefined && { description: description.value }),
  };
}

/** Steps of one list; `before` holds the ids that run before it. Returns the longest wait on it. */
function parseSteps(
  raw: unknown[],
  at: PathSegment[],
  before: Set<string>,
  walk: Walk,
  depth: number,
): { steps: Step[]; waitSeconds: number } {
  const steps: Step[] = [];
  const earlier = new Set(before);
  let waitSeconds = 0;
  raw.forEach((item, index) => {
    const path = [...at, index];
    walk.count++;
    const step = parseStep(item, path, earlier, walk, depth);
    if (!step) return;
    steps.push(step.step);
    earlier.add(step.step.id);
    waitSeconds += step.waitSeconds;
  });
  if (waitSeconds > MAX_RUN_WAIT_SECONDS && at.length === 1) {
    walk.errors.push({
      path: formatPath(at),
      message: `waits ${waitSeconds} s in all; a run may wait at most ${MAX_RUN_WAIT_SECONDS} s (365 days)`,
    });
  }
  return { steps, waitSeconds };
}

function parseStep(
  item: unknown,
  path: PathSegment[],
  earlier: Set<string>,
  walk: Walk,
  depth: number,
) {
  const { errors, ids } = walk;
  const type = (item as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !(type in stepSchemas)) {
    errors.push({
      path: formatPath([...path, 'type']),
      message: `must be one of ${Object.keys(stepSchemas).join(', ')}`,
    });
    return undefined;
  }
  const parsed = validateAt(stepSchemas[type as keyof typeof stepSchemas], item, path, errors);
  if (!parsed) return undefined;
  const step = parsed.value as Step;
  if (ids.has(step.id))
    errors.push({
      path: formatPath([...path, 'id']),
      message: `"${step.id}" is already the id of another step`,
    });
  ids.set(step.id, step.type);
  let waitSeconds = 0;
  const refer = (ref: string, field: PathSegment[], types: Step['type'][]) => {
    const where = formatPath([...path, ...field]);
    if (ref === step.id) errors.push({ path: where, message: 'refers to its own step (a loop)' });
    else if (!earlier.has(ref)) {
      errors.push({
        path: where,
        message: walk.all.has(ref)
          ? `step "${ref}" does not run before this one (a loop)`
          : `no step "${ref}"`,
      });
    } else if (!types.includes(ids.get(ref) as Step['type']))
      errors.push({ path: where, message: `step "${ref}" is not a ${types.join(' or ')} step` });
  };
  const limit = (field: string, text: string | undefined) => {
    const seconds = text === undefined ? 0 : (parseDuration(text) ?? 0);
    if (seconds > MAX_WAIT_SECONDS)
      errors.push({
        path: formatPath([...path, field]),
        message: `must be at most 365d (the engine holds a wait up to a year)`,
      });
    waitSeconds = Math.max(waitSeconds, seconds);
  };
  switch (step.type) {
    case 'send':
      if ((step.template === undefined) === (step.content === undefined)) {
        errors.push({ path: formatPath(path), message: 'needs exactly one of template, content' });
        break;
      }
      if (step.template && (step.mode === 'any' || step.mode === 'first') && !step.channels) {
        errors.push({
          path: formatPath([...path, 'channels']),
          message: `is required with mode ${step.mode}: the channels to try, in order`,
        });
      }
      if (step.content) {
        if (!step.channels) {
          errors.push({
            path: formatPath([...path, 'channels']),
            message: 'is required with content',
          });
          break;
        }
        for (const channel of step.channels) {
          if (!step.content[channel])
            errors.push({
              path: formatPath([...path, 'content', channel]),
              message: `is required: ${channel} is in channels`,
            });
        }
        for (const channel of Object.keys(step.content)) {
          if (!step.channels.includes(channel as never))
            errors.push({
              path: formatPath([...path, 'content', channel]),
              message: 'is not in channels',
            });
        }
      }
      errors.push(...walk.check(step, path));
      break;
    case 'delay':
      if ((step.duration === undefined) === (step.until === undefined))
        errors.push({ path: formatPath(path), message: 'needs exactly one of duration, until' });
      limit('duration', step.duration);
      if (step.until !== undefined) waitSeconds = 86_400;
      break;
    case 'waitFor':
      refer(step.step, ['step'], ['send']);
      limit('timeout', step.timeout);
      break;
    case 'digest':
      limit('window', step.window);
      break;
    case 'throttle':
      limit('window', step.window);
      waitSeconds = 0;
      break;
    case 'branch': {
      if ('step' in step.if) refer(step.if.step, ['if', 'step'], ['waitFor']);
      if (depth >= MAX_BRANCH_DEPTH) {
        errors.push({
          path: formatPath(path),
          message: `branches nest at most ${MAX_BRANCH_DEPTH} deep`,
        });
        break;
      }
      const then = parseSteps(step.whenTrue, [...path, 'whenTrue'], earlier, walk, depth + 1);
      const otherwise = parseSteps(
        step.whenFalse,
        [...path, 'whenFalse'],
        earlier,
        walk,
        depth + 1,
      );
      step.whenTrue = then.steps;
      step.whenFalse = otherwise.steps;
      waitSeconds = Math.max(then.waitSeconds, otherwise.waitSeconds);
      break;
    }
  }
  return { step, waitSeconds };
}

/** Every step of a definition, branches included, in document order. */
export function allSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((s) =>
    s.type === 'branch' ? [s, ...allSteps(s.whenTrue), ...allSteps(s.whenFalse)] : [s],
  );
}
