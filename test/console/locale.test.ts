import { describe, expect, it } from 'vitest';
import { safeLocale } from '../../console/src/locale';

describe('console locale: whatever tag a browser reports, Intl gets a valid one', () => {
  it.each([
    ['en-US', 'en-US'],
    ['de-de', 'de-DE'],
    // Chromium under LANG=C.UTF-8, and POSIX forms with codeset and modifier.
    ['en-US@posix', 'en-US'],
    ['en_GB.UTF-8', 'en-GB'],
    ['de_DE.UTF-8@euro', 'de-DE'],
    // Nothing usable: the fallback.
    ['C', 'en-US'],
    ['', 'en-US'],
    ['!!', 'en-US'],
    [undefined, 'en-US'],
  ])('%s -> %s', (reported, expected) => {
    const locale = safeLocale(reported);
    expect(locale).toBe(expected);
    expect(() => new Intl.NumberFormat(locale).format(1234.5)).not.toThrow();
  });
});
