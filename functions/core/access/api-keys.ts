import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * What a key may do: `send` (POST notifications, cancel), `read` (GET), `admin` (DLQ replay,
 * suppressions, webhooks, keys). Routes name the scope they need (functions/handlers/api/).
 */
export const SCOPES = ['send', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes of a key created without `--scopes`, and of keys created before scopes existed: those
 * could send and read, and nothing else existed then, so they keep exactly that.
 */
export const DEFAULT_SCOPES: readonly Scope[] = ['send', 'read'];

/** What the table keeps of an API key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  createdAt: string;
  revokedAt?: string;
  /** Absent on keys created before scopes existed: DEFAULT_SCOPES. */
  scopes?: Scope[];
  /**
   * Optional API Gateway API key value bound to the tenant's usage plan; the authorizer returns
   * it as usageIdentifierKey so API Gateway applies that plan's throttle and quota.
   */
  usagePlanKey?: string;
}

const KEY_PREFIX = 'hk_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key (shown once) and its id (safe to print and store). */
export function generateApiKey(): { key: string; keyId: string } {
  return { key: `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`, keyId: randomUUID() };
}

/**
 * The key a request carries: `Authorization: Bearer <key>`, else `x-api-key: <key>`. Whenever an
 * Authorization header is present it alone decides (a non-Bearer one is no key at all), in
 * whatever order the headers came: with API Gateway's authorizer cache on, Authorization is the
 * cache key, so the answer cached under it must be the one for the key it carries.
 */
export function keyFromHeaders(
  headers: Record<string, string | undefined> | null,
): string | undefined {
  const entries = Object.entries(headers ?? {});
  const named = (wanted: string) =>
    entries.find(([name, value]) => value && name.toLowerCase() === wanted)?.[1];
  const authorization = named('authorization');
  if (authorization !== undefined) return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return named('x-api-key')?.trim() || undefined;
}

/** The scopes a stored key grants (DEFAULT_SCOPES for a key stored without any). */
export function scopesOf(record: Pick<ApiKeyRecord, 'scopes'>): Scope[] {
  const scopes = (record.scopes ?? DEFAULT_SCOPES).filter((s): s is Scope =>
    (SCOPES as readonly string[]).includes(s),
  );
  return [...new Set(scopes)];
}

/**
 * `send,read` -> ['send', 'read']; throws naming the unknown scope. Accepts commas or spaces
 * (the authorizer context carries them space-separated, as OAuth does).
 */
export function parseScopes(text: string): Scope[] {
  const scopes: Scope[] = [];
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    if (!(SCOPES as readonly string[]).includes(word)) {
      throw new Error(`unknown scope "${word}"; expected one of ${SCOPES.join(', ')}`);
    }
    if (!scopes.includes(word as Scope)) scopes.push(word as Scope);
  }
  return scopes;
}
