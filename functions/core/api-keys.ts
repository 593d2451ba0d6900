import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** What the table keeps of an API key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  createdAt: string;
  revokedAt?: string;
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

/** The key a request carries: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function keyFromHeaders(
  headers: Record<string, string | undefined> | null,
): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!value) continue;
    const lower = name.toLowerCase();
    if (lower === 'x-api-key') return value.trim() || undefined;
    if (lower === 'authorization') {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
      if (match?.[1]) return match[1];
    }
  }
  return undefined;
}
