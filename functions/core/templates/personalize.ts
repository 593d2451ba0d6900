import type { ContentByChannel, NotificationRequest } from '../notifications/model';
import { parseV1Request, type ValidationOptions } from '../notifications/requests';
import { UnprocessableRequestError } from '../shared/errors';
import type { FieldError } from '../shared/field-errors';
import type { Channel } from '../shared/vocabulary';
import type { RenderedContent } from './render';
import { asBlock } from './send';

/*
 * A template sent to recipient ids is rendered for each recipient (their locale, their fields).
 * Each channel's deliveries then carry their recipient's content (ChannelRequest.contents, one
 * item per delivery beside it) unless every recipient got the same, which is stored once as usual.
 * Every distinct content is held to the raw form's own rules, with a stand-in address.
 */

const STAND_IN: Record<Channel, [string, unknown]> = {
  email: ['to', ['stand-in@example.com']],
  sms: ['to', ['+10000000000']],
  whatsapp: ['to', ['+10000000000']],
  push: ['tokens', ['stand-in']],
  slack: ['channel', 'stand-in'],
  mqtt: ['topic', 'stand-in'],
};

/** One delivery's own content is an item of its own: room under DynamoDB's 400 KB. */
const MAX_CONTENT_ITEM_BYTES = 350 * 1024;

/** What a channel block keeps of the request besides the rendered content. */
function senderOptions(channel: Channel, content: Record<string, unknown>) {
  if (channel === 'email') {
    const { from, replyTo } = content;
    return { ...(from !== undefined && { from }), ...(replyTo !== undefined && { replyTo }) };
  }
  if (channel === 'mqtt') return { qos: content.qos };
  return {};
}

/**
 * Sets each channel's per-recipient contents from `perRecipient` (content by recipient id), or
 * leaves the shared content when they are all the same. Throws UnprocessableRequestError (422)
 * when a recipient's rendered content breaks a channel's rule (too long, too large).
 */
export function personalize(
  request: NotificationRequest,
  perRecipient: ReadonlyMap<string, RenderedContent>,
  options: ValidationOptions,
): NotificationRequest {
  const errors: FieldError[] = [];
  const checked = new Map<string, unknown>();
  for (const channelRequest of Object.values(request.channels)) {
    if (!channelRequest?.recipientIds) continue;
    const channel = channelRequest.channel;
    const base = channelRequest.content as unknown as Record<string, unknown>;
    const shared = JSON.stringify(base);
    const contents = channelRequest.recipientIds.map((id) => {
      const rendered = perRecipient.get(id)?.[channel];
      if (rendered === undefined) return base;
      const block = { ...senderOptions(channel, base), ...asBlock(channel, rendered) };
      const key = `${channel}\u0000${JSON.stringify(block)}`;
      if (!checked.has(key)) {
        const [field, standIn] = STAND_IN[channel];
        const parsed = parseV1Request(
          { channels: { [channel]: { ...block, [field]: standIn } } },
          {
            ...options,
            maxRecipientsPerChannel: 1,
          },
        );
        if (parsed.ok && Buffer.byteLength(key, 'utf8') > MAX_CONTENT_ITEM_BYTES) {
          checked.set(key, base);
          errors.push({
            path: `channels.${channel}`,
            message: `as rendered for recipient ${id}: larger than ${MAX_CONTENT_ITEM_BYTES} bytes`,
          });
        } else if (parsed.ok) checked.set(key, parsed.value.channels[channel]?.content);
        else {
          checked.set(key, base);
          errors.push(
            ...parsed.errors.map((e) => ({
              ...e,
              message: `as rendered for recipient ${id}: ${e.message}`,
            })),
          );
        }
      }
      return checked.get(key);
    });
    if (contents.some((c) => JSON.stringify(c) !== shared)) {
      (channelRequest as { contents?: unknown[] }).contents =
        contents as ContentByChannel[typeof channel][];
    }
  }
  if (errors.length > 0) throw new UnprocessableRequestError(errors.slice(0, 20));
  return request;
}
