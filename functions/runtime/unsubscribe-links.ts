import * as z from 'zod/mini';
import type { OutboundMessage } from '../core/notifications/model';
import {
  addressHash,
  signUnsubscribeToken,
  UNSUBSCRIBE_LINK_DAYS,
  type UnsubscribeClaims,
  verifyUnsubscribeToken,
} from '../core/recipients/unsubscribe-token';
import { maskRecipient } from '../core/shared/mask';
import { parseEnv } from './config';
import { type SecretReader, secretReader } from './providers/source';

/*
 * One-click unsubscribe links: signed by the email function, verified by the api's public
 * route. The key is a Secrets Manager secret `{ "key": "...", "previousKey"?: "..." }` (names and
 * ARNs in env, never the key); links go to UNSUBSCRIBE_BASE_URL + /v1/unsubscribe. Without both
 * settings the feature is off: no headers, and the route answers 404.
 */

const envSchema = z.object({
  UNSUBSCRIBE_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
  UNSUBSCRIBE_BASE_URL: z.optional(z.url()),
});

const secretSchema = z.object({
  key: z.string().check(z.minLength(32)),
  previousKey: z.optional(z.string().check(z.minLength(32))),
});

export const UNSUBSCRIBE_PATH = '/v1/unsubscribe';

export interface UnsubscribeLinks {
  /** The https link for an email to a recipient id in a non-critical category; else undefined. */
  linkFor(message: OutboundMessage<'email'>): Promise<string | undefined>;
  verify: (token: string) => Promise<ReturnType<typeof verifyUnsubscribeToken>>;
  sign: (claims: UnsubscribeClaims) => Promise<string>;
}

export function unsubscribeLinks(
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = secretReader(),
): UnsubscribeLinks | undefined {
  const settings = parseEnv(envSchema, env);
  const secretId = settings.UNSUBSCRIBE_SECRET_ID;
  const base = settings.UNSUBSCRIBE_BASE_URL?.replace(/\/+$/, '');
  if (!secretId || !base) return undefined;
  const keys = async () => {
    const parsed = secretSchema.safeParse(await read(secretId));
    if (!parsed.success) throw new Error(`${secretId} is not { key, previousKey? } of 32+ chars`);
    return parsed.data;
  };
  const sign = async (claims: UnsubscribeClaims) =>
    signUnsubscribeToken(claims, (await keys()).key);
  return {
    sign,
    async verify(token) {
      const { key, previousKey } = await keys();
      const all = previousKey ? [key, previousKey] : [key];
      return verifyUnsubscribeToken(token, all, Math.floor(Date.now() / 1000));
    },
    async linkFor(message) {
      const category = message.content.listUnsubscribe?.category;
      if (!category || !message.recipientId) return undefined;
      const token = await sign({
        tenantId: message.tenantId,
        recipientId: message.recipientId,
        maskedAddress: maskRecipient('email', message.recipient),
        addressHash: addressHash(message.recipient),
        category,
        channel: 'email',
        expiresAt: Math.floor(Date.now() / 1000) + UNSUBSCRIBE_LINK_DAYS * 86_400,
      });
      return `${base}${UNSUBSCRIBE_PATH}?token=${token}`;
    },
  };
}
