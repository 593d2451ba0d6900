import { describe, expect, it } from 'vitest';
import { parseV1Request } from '../../../../functions/core/notifications/requests';
import { parseProviderRequest } from '../../../../functions/core/providers/config';
import { sesPool } from '../../../../functions/core/providers/email-identity';
import { senderFor } from '../../../../functions/core/providers/senders';
import { withinIdentity } from '../../../../functions/core/shared/email-identities';
import { InvalidRequestError } from '../../../../functions/core/shared/errors';

const ROLE = 'arn:aws:iam::111122223333:role/herald-ses-globex';
const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.errors;
    throw error;
  }
  throw new Error('no error');
};

describe('SES identities', () => {
  it('lets a From use an address identity itself, or any address at a domain and its subdomains', () => {
    expect(withinIdentity('Acme <Hello@Acme.Example>', 'acme.example')).toBe(true);
    expect(withinIdentity('ops@mail.acme.example', 'acme.example')).toBe(true);
    expect(withinIdentity('x@notacme.example', 'acme.example')).toBe(false);
    expect(withinIdentity('x@acme.example.org', 'acme.example')).toBe(false);
    expect(withinIdentity('News <news@globex.example>', 'news@globex.example')).toBe(true);
    expect(withinIdentity('ceo@globex.example', 'news@globex.example')).toBe(false);
  });

  it('keeps the external id in the secret only, and defaults an address identity’s From to itself', () => {
    expect(
      parseProviderRequest('email', {
        identity: 'News@Globex.Example',
        roleArn: ROLE,
        externalId: 'ext-1',
        ratePerSecond: 40,
      }),
    ).toEqual({
      settings: {
        vendor: 'ses',
        identity: 'news@globex.example',
        from: 'news@globex.example',
        roleArn: ROLE,
        ratePerSecond: 40,
      },
      secret: { externalId: 'ext-1' },
      priority: 1,
    });
  });

  it('names each bad field: role name, external id, from, rate above SES’s maximum', () => {
    expect(
      errorsOf(() =>
        parseProviderRequest('email', {
          identity: 'acme.example',
          from: 'a@globex.example',
          roleArn: 'arn:aws:iam::111122223333:role/Admin',
        }),
      ).map((e) => e.path),
    ).toEqual(['roleArn']);
    expect(
      errorsOf(() =>
        parseProviderRequest('email', {
          identity: 'acme.example',
          roleArn: ROLE,
          ratePerSecond: 6000,
        }),
      ).map((e) => e.path),
    ).toEqual(['from', 'externalId', 'ratePerSecond']);
    expect(errorsOf(() => parseProviderRequest('email', { identity: 'not a domain' }))).toEqual([
      expect.objectContaining({ path: 'identity' }),
    ]);
  });

  it('counts the stack’s account once for every tenant in it, a tenant’s own account apart', () => {
    const stack = sesPool('stack', {}, 'us-east-1', 50);
    const shared = sesPool('t-acme/main', {}, 'us-east-1', 50);
    const own = sesPool('t-globex/main', { roleArn: ROLE, ratePerSecond: 2 }, 'us-east-1');
    const key = (pool: typeof stack) => senderFor(pool, 'email', 'x@example.net');
    expect(key(shared)).toEqual(key(stack));
    expect(key(stack)).toMatchObject({ key: 'stack:email:account', ratePerSecond: 50 });
    expect(key(own)).toMatchObject({
      key: 't-globex/main:email:111122223333/us-east-1',
      ratePerSecond: 2,
    });
  });

  it('refuses a request from outside the tenant’s identities at channels.email.from', () => {
    const options = {
      maxRecipientsPerChannel: 10,
      enabledChannels: ['email'] as const,
      now: Date.now(),
      senderDomain: 'example.com',
      senderIdentities: ['acme.example'],
    };
    const email = (from: string) => ({
      channels: { email: { to: ['a@example.net'], subject: 's', text: 't', from } },
    });
    expect(parseV1Request(email('Acme <hi@acme.example>'), options).ok).toBe(true);
    // The stack's own sender domain no longer applies to a tenant with identities.
    expect(parseV1Request(email('herald@example.com'), options)).toMatchObject({
      ok: false,
      errors: [{ path: 'channels.email.from' }],
    });
  });
});
