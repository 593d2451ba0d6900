import { describe, expect, it } from 'vitest';
import { chooseSender, providerSideFailure } from '../../../../functions/core/providers/breaker';
import { ProviderError } from '../../../../functions/core/shared/errors';

describe('providerSideFailure', () => {
  it('counts outages, timeouts and throttling beyond the rate', () => {
    expect(
      providerSideFailure(new ProviderError('transient', '20503', 'Service Unavailable')),
    ).toBe(true);
    expect(providerSideFailure(new ProviderError('transient', 'http_503', 'down'))).toBe(true);
    expect(providerSideFailure(new ProviderError('transient', '20429', 'Too Many Requests'))).toBe(
      true,
    );
    expect(providerSideFailure(new ProviderError('transient', 'ratelimited', 'slow down'))).toBe(
      true,
    );
    expect(
      providerSideFailure(new ProviderError('transient', 'x', 'hung', { outcomeUnknown: true })),
    ).toBe(true);
  });

  it('never counts a content error or the account’s own configuration', () => {
    expect(providerSideFailure(new ProviderError('permanent', '21211', 'invalid To'))).toBe(false);
    expect(providerSideFailure(new ProviderError('permanent', 'http_503', 'permanent'))).toBe(
      false,
    );
    expect(providerSideFailure(new ProviderError('transient', '20003', 'Authenticate'))).toBe(
      false,
    );
    expect(providerSideFailure(new ProviderError('transient', 'invalid_auth', 'bad token'))).toBe(
      false,
    );
  });
});

describe('chooseSender', () => {
  const primary = {
    owner: 't/a',
    kind: 'long-code' as const,
    ids: ['+14155550101', '+14155550102'],
  };
  const secondary = { owner: 't/b', kind: 'long-code' as const, ids: ['+14155550201'] };
  const to = '+14155557777';

  it('keeps a recipient on its own sender of the first provider while it is healthy', () => {
    const chosen = chooseSender([primary, secondary], 'sms', to, () => false);
    expect(chosen?.route).toBe(0);
    expect(chooseSender([primary, secondary], 'sms', to, () => false)).toEqual(chosen);
  });

  it('fails over to the provider’s other sender, then to the next provider', () => {
    const sticky = chooseSender([primary], 'sms', to, () => false)?.sender.key ?? '';
    const other = chooseSender([primary, secondary], 'sms', to, (key) => key === sticky);
    expect(other).toMatchObject({ route: 0 });
    expect(other?.sender.key).not.toBe(sticky);
    const next = chooseSender([primary, secondary], 'sms', to, (key) => key.startsWith('t/a'));
    expect(next).toMatchObject({ route: 1, sender: { id: '+14155550201' } });
  });

  it('uses the recipient’s own sender when every one is open', () => {
    const all = chooseSender([primary, secondary], 'sms', to, () => true);
    expect(all?.route).toBe(0);
  });
});
