import { describe, expect, it } from 'vitest';
import { type Category, optOutOf } from '../../../../functions/core/recipients/preferences';
import { unreachable } from '../../../../functions/core/recipients/resolve';

const category = (over: Partial<Category> = {}): Category => ({
  key: 'news',
  name: 'News',
  critical: false,
  defaults: {},
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...over,
});

describe('optOutOf', () => {
  it('honours a channel switch, a category switch and a whole-category switch', () => {
    expect(optOutOf({ channels: { sms: false } }, 'sms', undefined)).toBeDefined();
    expect(optOutOf({ categories: { news: { email: false } } }, 'email', category())).toBeDefined();
    expect(optOutOf({ categories: { news: { all: false } } }, 'push', category())).toBeDefined();
    expect(optOutOf({ categories: { news: { all: false } } }, 'push', undefined)).toBeUndefined();
  });

  it('an opt-in to the category on a channel wins over the channel switch and the default', () => {
    const prefs = { channels: { sms: false }, categories: { news: { sms: true } } };
    expect(optOutOf(prefs, 'sms', category({ defaults: { sms: false } }))).toBeUndefined();
  });

  it('a category default off is an opt-out until the recipient opts in', () => {
    expect(optOutOf({}, 'sms', category({ defaults: { sms: false } }))).toMatch(/does not use sms/);
  });

  it('a critical category passes every opt-out', () => {
    const prefs = { channels: { sms: false }, categories: { news: { all: false } } };
    expect(optOutOf(prefs, 'sms', category({ critical: true }))).toBeUndefined();
  });
});

describe('unreachable', () => {
  const at = { since: '2026-12-01T00:00:00.000Z' };
  it('maps address health to a skip reason; ok addresses are reachable', () => {
    expect(unreachable({ ...at, status: 'ok', source: 'api' }, 'email')).toBeUndefined();
    expect(unreachable({ ...at, status: 'bounced', source: 'ses:Bounce' }, 'email')).toBe(
      'address_invalid',
    );
    expect(unreachable({ ...at, status: 'unsubscribed', source: 'twilio:21610' }, 'sms')).toBe(
      'opted_out',
    );
    expect(unreachable({ ...at, status: 'undeliverable', source: 'suppression:sms' }, 'sms')).toBe(
      'suppressed',
    );
  });

  it('a phone opted out of SMS still reaches WhatsApp', () => {
    const stop = { ...at, status: 'unsubscribed' as const, source: 'twilio:21610' };
    expect(unreachable(stop, 'sms', ['sms'])).toBe('opted_out');
    expect(unreachable(stop, 'whatsapp', ['sms'])).toBeUndefined();
  });
});
