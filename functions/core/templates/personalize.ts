import * as z from 'zod/mini';
import type { ContentByChannel, NotificationRequest } from '../notifications/model';
import {
  emailHtml,
  emailSubject,
  emailText,
  mqttPayloadText,
  pushBody,
  pushData,
  pushPayloadBytes,
  pushTitle,
  slackBlocks,
  slackText,
  textMessageText,
} from '../notifications/requests/fields';
import {
  MAX_PUSH_PAYLOAD_BYTES,
  MAX_TEMPLATE_VARIABLE_CHARS,
} from '../notifications/requests/limits';
import { UnprocessableRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import type { RenderedContent } from './render';

/*
 * A template sent to recipient ids is rendered for each recipient (their locale, their fields).
 * Each channel's deliveries then carry their recipient's content (ChannelRequest.contents, one
 * item per delivery beside it) unless every recipient got the same, which is stored once as usual.
 * Every distinct content is held to the raw form's field rules (the same zod field schemas, built
 * once: validating a whole request body per recipient cost ~1 ms each).
 */

/** One delivery's own content is an item of its own: room under DynamoDB's 400 KB. */
const MAX_CONTENT_ITEM_BYTES = 350 * 1024;

const variable = z.string().check(z.maxLength(MAX_TEMPLATE_VARIABLE_CHARS));
const FIELD_RULES: Record<Channel, Record<string, z.ZodMiniType>> = {
  email: { subject: emailSubject, text: emailText, html: emailHtml },
  sms: { text: textMessageText },
  whatsapp: { text: textMessageText },
  push: { title: pushTitle, body: pushBody, data: pushData },
  slack: { text: slackText, blocks: slackBlocks },
  mqtt: { payload: mqttPayloadText },
};

/** The delivery content for `rendered` (sender options kept from `base`), or its problems. */
function contentOf(
  channel: Channel,
  rendered: Record<string, unknown>,
  base: Record<string, unknown>,
  errors: FieldError[],
): unknown {
  const rules = FIELD_RULES[channel];
  for (const [field, value] of Object.entries(rendered)) {
    const rule = rules[field];
    if (rule) validateAt(rule, value, ['channels', channel, field], errors);
  }
  switch (channel) {
    case 'email': {
      // listUnsubscribe: a non-critical category's one-click link (core/recipients/resolve.ts).
      const { from, replyTo, listUnsubscribe } = base;
      return {
        ...rendered,
        ...(from !== undefined && { from }),
        ...(replyTo !== undefined && { replyTo }),
        ...(listUnsubscribe !== undefined && { listUnsubscribe }),
      };
    }
    case 'whatsapp':
      if (rendered.contentSid === undefined) return rendered;
      for (const [name, value] of Object.entries(rendered.variables as Record<string, unknown>)) {
        validateAt(variable, value, ['channels', 'whatsapp', 'variables', name], errors);
      }
      return { template: { contentSid: rendered.contentSid, variables: rendered.variables } };
    case 'push':
      if (pushPayloadBytes(rendered.title, rendered.body, rendered.data) > MAX_PUSH_PAYLOAD_BYTES) {
        errors.push({
          path: 'channels.push',
          message: `must be at most ${MAX_PUSH_PAYLOAD_BYTES} bytes`,
        });
      }
      return rendered;
    case 'mqtt':
      return { payload: rendered.payload, qos: base.qos };
    default:
      return rendered;
  }
}

/**
 * Sets each channel's per-recipient contents from `perRecipient` (content by recipient id), or
 * leaves the shared content when they are all the same. Throws UnprocessableRequestError (422)
 * when a recipient's rendered content breaks a channel's rule (too long, too large).
 */
export function personalize(
  request: NotificationRequest,
  perRecipient: ReadonlyMap<string, RenderedContent>,
): NotificationRequest {
  const errors: FieldError[] = [];
  const done = new Map<string, unknown>();
  for (const channelRequest of Object.values(request.channels)) {
    if (!channelRequest?.recipientIds) continue;
    const channel = channelRequest.channel;
    const base = channelRequest.content as unknown as Record<string, unknown>;
    const shared = JSON.stringify(base);
    let differs = false;
    const contents = channelRequest.recipientIds.map((id) => {
      const rendered = perRecipient.get(id)?.[channel] as Record<string, unknown> | undefined;
      if (rendered === undefined) return base;
      const key = `${channel}\u0000${JSON.stringify(rendered)}`;
      if (!done.has(key)) {
        const problems: FieldError[] = [];
        const content = contentOf(channel, rendered, base, problems);
        if (Buffer.byteLength(key, 'utf8') > MAX_CONTENT_ITEM_BYTES) {
          problems.push({
            path: `channels.${channel}`,
            message: `larger than ${MAX_CONTENT_ITEM_BYTES} bytes`,
          });
        }
        errors.push(
          ...problems.map((e) => ({
            ...e,
            message: `as rendered for recipient ${id}: ${e.message}`,
          })),
        );
        done.set(key, problems.length > 0 ? base : content);
      }
      const content = done.get(key);
      if (!differs && JSON.stringify(content) !== shared) differs = true;
      return content;
    });
    if (differs) {
      (channelRequest as { contents?: unknown[] }).contents =
        contents as ContentByChannel[typeof channel][];
    }
  }
  if (errors.length > 0) throw new UnprocessableRequestError(errors.slice(0, 20));
  return request;
}
