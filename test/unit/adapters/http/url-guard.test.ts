import { describe, expect, it } from 'vitest';
import { DnsUrlGuard, nonPublicAddress } from '../../../../functions/adapters/http/url-guard';

// Addresses as DNS may return them for a webhook host: every special-purpose range of the IANA
// IPv4 and IPv6 registries that is not globally reachable, and every IPv6 form that embeds an
// IPv4 address, is refused; ordinary public addresses are not.

describe('nonPublicAddress', () => {
  it.each([
    ['192.0.2.10', 'TEST-NET-1'],
    ['198.51.100.7', 'TEST-NET-2'],
    ['203.0.113.200', 'TEST-NET-3'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['255.255.255.255', 'broadcast'],
    ['::7f00:1', 'IPv4-compatible ::127.0.0.1'],
    ['::a00:7', 'IPv4-compatible ::10.0.0.7'],
    ['::ffff:7f00:1', 'IPv4-mapped, hex form'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:808:808::1', '6to4 of a public address: a relay decides where it goes'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['64:ff9b:1::a00:7', 'local-use NAT64'],
    ['fec0::1', 'site-local'],
    ['100::1', 'discard-only'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['3fff::1', 'documentation (RFC 9637)'],
  ])('refuses %s (%s)', (address) => {
    expect(nonPublicAddress(address)).toBeDefined();
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '192.0.3.1',
    '203.0.114.1',
    '2606:4700:4700::1111',
    '2a00:1450:4009:81a::200e',
  ])('admits the public address %s', (address) => {
    expect(nonPublicAddress(address)).toBeUndefined();
  });
});

describe('DnsUrlGuard, deployed policy', () => {
  const guard = new DnsUrlGuard({ allowHttp: false, allowPrivateNetworks: false });

  it.each([
    'https://[::127.0.0.1]/hook',
    'https://[2002:7f00:1::]/hook',
    'https://[64:ff9b:1::a9fe:a9fe]/hook',
    'https://[fec0::1]/hook',
    'https://[100::1]/hook',
    'https://192.0.2.1/hook',
    'https://198.51.100.1/hook',
    'https://203.0.113.1/hook',
  ])('refuses %s', async (url) => {
    expect(await guard.check(url)).toContain('non-public');
  });
});
