import { describe, expect, it } from 'vitest';
import { parseScopes, scopesOf } from '../../../../functions/core/access/api-keys';

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
