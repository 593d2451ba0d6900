import * as z from 'zod/mini';
import { InvalidRequestError } from '../shared/errors';
import { type FieldError, validateAt } from '../shared/field-errors';
import { MAX_RATES, PUBLISHED_RATES, type SenderPool } from './senders';

/**
 * A tenant's own FCM project (issue 22): its service account's key file, as Google gives it.
 * The extra fields of the file (client_id, auth_uri, ...) are accepted and dropped; `type`, when
 * there, must be a service account's.
 */
export const fcmServiceAccountSchema = z.looseObject({
  type: z.optional(z.literal('service_account', 'must be "service_account"')),
  project_id: z
    .string()
    .check(
      z.regex(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        'must be a Google Cloud project id (6-30 of a-z, 0-9 and -, starting with a letter)',
      ),
    ),
  client_email: z
    .string()
    .check(
      z.regex(
        /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/,
        'must be the service account’s email (…@….gserviceaccount.com)',
      ),
    ),
  private_key: z
    .string()
    .check(
      z.regex(
        /^\s*-----BEGIN (RSA )?PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END (RSA )?PRIVATE KEY-----\s*$/,
        'must be the key file’s PEM private key (-----BEGIN PRIVATE KEY----- …)',
      ),
      z.describe('write-only: kept in Secrets Manager, never returned'),
    ),
  private_key_id: z.optional(z.string().check(z.regex(/^[0-9a-f]{8,64}$/, 'must be hex'))),
});

export const fcmProviderSchema = z.strictObject({
  serviceAccount: fcmServiceAccountSchema.check(
    z.describe(
      'the service account key file (JSON) of the tenant’s Firebase project; the key is write-only',
    ),
  ),
  ratePerSecond: z
    .optional(z.number().check(z.positive('must be above 0')))
    .check(
      z.describe(
        `messages per second for the project; default and maximum ${PUBLISHED_RATES['fcm-project']} (FCM's 600,000/min)`,
      ),
    ),
  priority: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
});

/** What a push provider's record keeps: the project and who sends for it, never the key. */
export interface PushProviderSettings {
  vendor: 'fcm';
  projectId: string;
  clientEmail: string;
  ratePerSecond?: number;
}

/** PUT /v1/providers/push/{name}: a 400 at `serviceAccount.<field>` for a malformed key file. */
export function parsePushProviderRequest(body: unknown): {
  settings: PushProviderSettings;
  secret: Record<string, string>;
  priority: number;
} {
  const errors: FieldError[] = [];
  const parsed = validateAt(fcmProviderSchema, body, [], errors);
  const rate = parsed?.value.ratePerSecond;
  if (rate !== undefined && rate > MAX_RATES['fcm-project']) {
    errors.push({
      path: 'ratePerSecond',
      message: `must be at most ${MAX_RATES['fcm-project']} messages/s, the limit of an fcm-project (published default ${PUBLISHED_RATES['fcm-project']}/s)`,
    });
  }
  if (!parsed || errors.length > 0) throw new InvalidRequestError(errors);
  const { serviceAccount: account, priority } = parsed.value;
  return {
    settings: {
      vendor: 'fcm',
      projectId: account.project_id,
      clientEmail: account.client_email,
      ...(rate !== undefined && { ratePerSecond: rate }),
    },
    secret: {
      project_id: account.project_id,
      client_email: account.client_email,
      private_key: account.private_key,
      ...(account.private_key_id !== undefined && { private_key_id: account.private_key_id }),
    },
    priority: priority ?? 1,
  };
}

/**
 * The most one bucket item books per second: every booking is a conditional write to it, and one
 * DynamoDB item takes at most 1,000 write units a second (refusals of concurrent writers included).
 */
export const MAX_BUCKET_RATE = 500;

/**
 * An FCM project's senders: FCM counts its rate per project, but one bucket item cannot take
 * 10,000 bookings a second, so a project faster than MAX_BUCKET_RATE is split into shards
 * (`<project>~<i>`, a token sticks to one), each with its share of the rate.
 */
export function fcmPool(owner: string, projectId: string, ratePerSecond?: number): SenderPool {
  const total = ratePerSecond ?? PUBLISHED_RATES['fcm-project'];
  const shards = Math.max(1, Math.ceil(total / MAX_BUCKET_RATE));
  return {
    owner,
    kind: 'fcm-project',
    ids: shards === 1 ? [projectId] : Array.from({ length: shards }, (_, i) => `${projectId}~${i}`),
    ratePerSecond: total / shards,
  };
}

/** One sender's rate and breaker, as GET /v1/providers shows it. */
interface SenderRate {
  sender: string;
  ratePerSecond: number;
  breaker?: 'open' | 'closed';
  openUntil?: string;
  recentFailures?: number;
}

/** A project's shards shown as the project: their rates summed, open if any shard is. */
export function projectRate(projectId: string, shards: readonly SenderRate[]): SenderRate[] {
  const open = shards.filter((s) => s.breaker === 'open');
  const until = open
    .map((s) => s.openUntil ?? '')
    .sort()
    .at(-1);
  return [
    {
      sender: projectId,
      ratePerSecond: Math.round(shards.reduce((sum, s) => sum + s.ratePerSecond, 0) * 1000) / 1000,
      breaker: open.length > 0 ? 'open' : 'closed',
      ...(until && { openUntil: until }),
      recentFailures: shards.reduce((sum, s) => sum + (s.recentFailures ?? 0), 0),
    },
  ];
}
