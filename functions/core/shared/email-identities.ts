/**
 * SES sending identities: a verified email address, or a verified domain (which also covers its
 * subdomains, as SES allows). Shared by request validation (a tenant's `from`) and the tenant
 * email providers (core/providers/email-identity.ts).
 */

/** The address part of `Name <address>` or a bare address, trimmed and lower-cased. */
export function bareAddress(value: string): string {
  const match = /<([^<>\r\n]+)>\s*$/.exec(value);
  return (match ? (match[1] ?? '') : value).trim().toLowerCase();
}

/** Whether an identity is an address (`a@b.c`) rather than a domain. */
export const isAddressIdentity = (identity: string): boolean => identity.includes('@');

/** Whether `from` (bare or `Name <address>`) may be sent as `identity`. */
export function withinIdentity(from: string, identity: string): boolean {
  const address = bareAddress(from);
  const id = identity.toLowerCase();
  if (isAddressIdentity(id)) return address === id;
  const domain = address.split('@')[1] ?? '';
  return domain === id || domain.endsWith(`.${id}`);
}

/** Whether `from` may be sent as one of `identities`. */
export function withinIdentities(from: string, identities: readonly string[]): boolean {
  return identities.some((identity) => withinIdentity(from, identity));
}
