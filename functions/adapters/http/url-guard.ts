import type { LookupAddress, LookupOptions } from 'node:dns';
import dns from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { UrlGuard } from '../../core/webhooks/ports';

/** What webhook URLs may point at. Deployed: https to public addresses only. */
export interface UrlPolicy {
  /** Allow `http://` (the local stack's receivers). */
  allowHttp: boolean;
  /** Allow loopback, private, link-local and unique-local addresses (the local stack). */
  allowPrivateNetworks: boolean;
}

/*
 * Every range of the IANA special-purpose address registries (RFC 6890 and its updates) that is
 * not globally reachable, plus the IPv6 ranges that carry an IPv4 address inside (a relay or
 * translator would deliver to that IPv4 address, which may be private): nothing a webhook
 * receiver on the internet is ever at. Node's BlockList checks an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) against the IPv4 rules.
 */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, the instance metadata service
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible (::a.b.c.d, deprecated)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64 well-known prefix
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: the IPv4 address inside is whatever the sender chose
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing (SRv6) SIDs
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/**
 * Why an address is not a public one (loopback, private, link-local such as the instance
 * metadata service 169.254.169.254, unique-local, multicast...), or undefined if it is public.
 */
export function nonPublicAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return nonPublicAddress(mapped);
  const blocked = NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
  return blocked ? `${address} is not a public address` : undefined;
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a webhook URL against the policy: scheme, no credentials, and every address its host
 * resolves to. Used when a webhook is created and again before each send; the sender's
 * connections also go through `guardedLookup`, so a host that re-resolves to a private address
 * between the check and the connection is still refused.
 */
export class DnsUrlGuard implements UrlGuard {
  constructor(private readonly policy: UrlPolicy) {}

  async check(raw: string): Promise<string | undefined> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute URL';
    }
    const schemes = this.policy.allowHttp ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol)) {
      return this.policy.allowHttp ? 'must be an http(s) URL' : 'must be an https URL';
    }
    if (url.username || url.password) return 'must not contain credentials';
    if (this.policy.allowPrivateNetworks) return undefined;
    const host = hostOf(url);
    if (isIP(host)) return nonPublicAddress(host) && 'must not point at a non-public address';
    let addresses: LookupAddress[];
    try {
      addresses = await resolveAll(host);
    } catch {
      return `host ${host} does not resolve`;
    }
    if (addresses.length === 0) return `host ${host} does not resolve`;
    return addresses.some((a) => nonPublicAddress(a.address))
      ? `host ${host} resolves to a non-public address`
      : undefined;
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that refuses non-public addresses (see DnsUrlGuard). */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = list.find((a) => nonPublicAddress(a.address));
    if (refused || list.length === 0) {
      const failure: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a non-public address`,
      );
      failure.code = 'EREFUSED';
      return callback(failure, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}
