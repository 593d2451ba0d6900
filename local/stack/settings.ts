import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ATTEMPT_MAX_MS } from '../../functions/core/notifications/model';
import { createLocalServiceAccount } from '../fakes/fcm-fake';

/** The local stack's fixed names, timings and per-process secrets. */

export const HOST = '127.0.0.1';
export const DEFAULT_MQTT_TOPIC_PREFIX = 'herald/';
export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const TABLE_NAME = 'herald-local';
export const IDEMPOTENCY_TABLE_NAME = 'herald-local-idempotency';
/**
 * How long a received channel message stays hidden: one whole attempt (ATTEMPT_MAX_MS, the bound
 * the deployed stack computes its timings from), so a message never comes back while its attempt
 * may still run and burns no receive on a held lease. AWS hides it 6x the function timeout
 * (180 s); locally it stays short, so a message that failed without a backoff, or whose attempt
 * crashed, comes back within seconds.
 */
export const VISIBILITY_TIMEOUT_SECONDS = Math.ceil(ATTEMPT_MAX_MS / 1000);
/** Outlives the visibility timeout, so a redelivered copy finds the lease held and waits. */
export const LEASE_SECONDS = VISIBILITY_TIMEOUT_SECONDS + 5;
/** The raw development key, kept (like the table holding its hash) in the data directory. */
export const DEV_KEY_FILE = 'dev-api-key';
export const SECRET_IDS = {
  twilio: 'herald/twilio',
  slack: 'herald/slack',
  fcm: 'herald/fcm',
  unsubscribe: 'herald/unsubscribe',
} as const;
export const RELEASE_FUNCTION = 'herald-release';
/** Provider send rates run this much faster locally (LocalStackOptions.senderRateScale). */
export const DEFAULT_SENDER_RATE_SCALE = 100;

// Secrets are made once per process for the same reason as the pinned ports (local/stack.ts): handlers
// cache what they read (Powertools caches secrets for 5 minutes).
export const TWILIO_SECRET = {
  accountSid: `AC${randomBytes(16).toString('hex')}`,
  authToken: randomBytes(16).toString('hex'),
  smsFrom: '+15005550006',
  whatsappFrom: '+14155238886',
};
let serviceAccount: ReturnType<typeof createLocalServiceAccount> | undefined;
export const fcmServiceAccount = () => {
  serviceAccount ??= createLocalServiceAccount();
  return serviceAccount;
};

/** The key from `file` when there is one, else a new one (written to `file` if given). */
export function developmentKey(file: string | undefined): string {
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `hk_dev_${randomBytes(32).toString('base64url')}`;
  // Owner-only: it is a credential, even if only for the local stack.
  if (file) writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

export function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** The one-click unsubscribe signing key (Secrets Manager locally too): one per process. */
export const UNSUBSCRIBE_SECRET = { key: randomBytes(32).toString('hex') };
