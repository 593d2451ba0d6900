import * as z from 'zod/mini';
import type { Channel, NotificationRequest } from '../notifications/model';
import { parseV1Request, type ValidationOptions } from '../notifications/requests';
import { isPlainObject } from '../notifications/requests/fields';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { ProfileInput } from './model';
import { categoryKey, parseProfileWithId, recipientId } from './validation';

/*
 * `POST /v1/notifications` with `to: [ids | {id, ...profile}]` (and `category`): the channel
 * blocks then carry content only, the recipients' addresses come from their profiles. The content
 * is held to exactly the rules of the raw-address form: each block is validated by that form's own
 * schema with a stand-in address, which is then dropped.
 */

/** Up to this many recipient ids per request (each may have several addresses per channel). */
export const MAX_RECIPIENTS_PER_REQUEST = 1_000;

/** A recipient named in `to`, with the profile fields to upsert first when given inline. */
export interface RecipientTarget {
  id: string;
  inline?: ProfileInput;
  /** Index in `to`, for error paths. */
  at: number;
}

/** A request to recipient ids, before resolution: no channel has recipients yet. */
export interface RecipientSendRequest {
  request: NotificationRequest;
  targets: RecipientTarget[];
  category?: string;
  channels: Channel[];
}

/** The address field of each channel block in the raw-address form, and a stand-in for it. */
const ADDRESS_FIELD: Record<Channel, { field: string; standIn: unknown }> = {
  email: { field: 'to', standIn: ['stand-in@example.com'] },
  sms: { field: 'to', standIn: ['+10000000000'] },
  whatsapp: { field: 'to', standIn: ['+10000000000'] },
  push: { field: 'tokens', standIn: ['stand-in'] },
  slack: { field: 'channel', standIn: 'stand-in' },
  mqtt: { field: 'topic', standIn: 'stand-in' },
};

/** True when the body names recipients (`to` at the top): this parser's form, not the raw one. */
export function namesRecipients(body: unknown): boolean {
  return isPlainObject(body) && 'to' in body;
}

export function parseRecipientSend(
  body: unknown,
  options: ValidationOptions,
): { ok: true; value: RecipientSendRequest } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const { to, category, ...rest } = body as Record<string, unknown>;
  const targets = parseTargets(to, errors);
  const parsedCategory =
    category === undefined ? undefined : validateAt(categoryKey, category, ['category'], errors);
  const channels: Channel[] = [];
  const withStandIns: Record<string, unknown> = { ...rest };
  if (isPlainObject(rest.channels)) {
    const blocks: Record<string, unknown> = {};
    for (const [name, block] of Object.entries(rest.channels)) {
      const address = ADDRESS_FIELD[name as Channel];
      if (!address || !isPlainObject(block)) {
        blocks[name] = block;
        continue;
      }
      if (address.field in block) {
        errors.push({
          path: `channels.${name}.${address.field}`,
          message: 'must be left out: the addresses come from the profiles of the recipients in to',
        });
      }
      blocks[name] = { ...block, [address.field]: address.standIn };
      channels.push(name as Channel);
    }
    withStandIns.channels = blocks;
  }
  // The stand-ins are no channel of anyone's: a Slack allow-list applies to the profiles'
  // channels, at the send (runtime/slack-allow-lists.ts).
  const { slackChannels: _, ...standInOptions } = options;
  const parsed = parseV1Request(withStandIns, standInOptions);
  if (!parsed.ok) errors.push(...parsed.errors);
  if (errors.length > 0 || !parsed.ok || !targets) return { ok: false, errors };
  const request = parsed.value;
  for (const channelRequest of Object.values(request.channels)) {
    if (channelRequest) channelRequest.recipients = [];
  }
  return {
    ok: true,
    value: {
      request,
      targets,
      channels,
      ...(parsedCategory && { category: parsedCategory.value }),
    },
  };
}

const toList = z
  .array(z.unknown())
  .check(
    z.minLength(1, 'must name at least one recipient'),
    z.maxLength(MAX_RECIPIENTS_PER_REQUEST, `at most ${MAX_RECIPIENTS_PER_REQUEST} recipients`),
  );

/** `to`: ids or `{ id, ...profile }`, de-duplicated by id (the first one stays). */
function parseTargets(to: unknown, errors: FieldError[]): RecipientTarget[] | undefined {
  const list = validateAt(toList, to, ['to'], errors);
  if (!list) return undefined;
  const seen = new Set<string>();
  const targets: RecipientTarget[] = [];
  const before = errors.length;
  list.value.forEach((item, at) => {
    let target: RecipientTarget | undefined;
    if (typeof item === 'string') {
      const id = validateAt(recipientId, item, ['to', at], errors);
      if (id) target = { id: id.value, at };
    } else {
      const profile = parseProfileWithId(item, ['to', at], errors);
      if (profile) {
        const { id, ...inline } = profile;
        target = { id, inline, at };
      }
    }
    if (target && !seen.has(target.id)) {
      seen.add(target.id);
      targets.push(target);
    }
  });
  return errors.length > before ? undefined : targets;
}
