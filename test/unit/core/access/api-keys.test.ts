import { describe, expect, it } from 'vitest';
import { keyFromHeaders, parseScopes, scopesOf } from '../../../../functions/core/access/api-keys';

describe('api keys › scopes', () => {
  it('parses a comma or space separated list, once each', () => {
    expect(parseScopes('send,read')).toEqual(['send', 'read']);
    expect(parseScopes('admin read, admin')).toEqual(['admin', 'read']);
  });

  it('names an unknown scope', () => {
    expect(() => parseScopes('send,write')).toThrow(/unknown scope "write"/);
  });

  it('a key stored without scopes may send and read', () => {
    expect(scopesOf({})).toEqual(['send', 'read']);
    expect(scopesOf({ scopes: ['admin'] })).toEqual(['admin']);
  });
});

describe('api keys › the key a request carries', () => {
  it('Authorization decides whenever present, whatever the header order (the gateway caches by it)', () => {
    expect(keyFromHeaders({ 'x-api-key': 'hk_a', Authorization: 'Bearer hk_b' })).toBe('hk_b');
    expect(keyFromHeaders({ authorization: 'Basic eDp5', 'X-Api-Key': 'hk_a' })).toBeUndefined();
  });

  it('x-api-key alone, or Bearer alone', () => {
    expect(keyFromHeaders({ 'X-Api-Key': ' hk_a ' })).toBe('hk_a');
    expect(keyFromHeaders({ Authorization: 'bearer hk_b' })).toBe('hk_b');
    expect(keyFromHeaders({ 'x-api-key': '' })).toBeUndefined();
    expect(keyFromHeaders(null)).toBeUndefined();
  });
});
