/**
 * The browser's language tag, made safe for Intl before anything reads it.
 *
 * Browsers report what the OS gives them: Chromium started with `LANG=C.UTF-8` says
 * `navigator.language === 'en-US@posix'`, which is not BCP 47, and `new Intl.NumberFormat(tag)`
 * throws a RangeError on it. uPlot builds its number formatter from navigator.language when its
 * module is evaluated, so one odd tag would stop the whole bundle before the first render. This
 * module is imported first by main.tsx; it repairs the tag (or falls back to `en-US`) and shadows
 * navigator.language/languages with the repaired values, so every later reader sees a valid tag.
 */

const FALLBACK = 'en-US';

/** A BCP 47 tag Intl accepts for `tag`: canonical if valid, repaired from POSIX form, else en-US. */
export function safeLocale(tag: unknown): string {
  if (typeof tag !== 'string' || tag === '') return FALLBACK;
  for (const candidate of [tag, posixToBcp47(tag)]) {
    try {
      const [canonical] = Intl.getCanonicalLocales(candidate);
      // getCanonicalLocales is the spec's validator; the formatter check catches engines whose
      // ICU lacks data for a well-formed tag.
      if (canonical && new Intl.NumberFormat(canonical).resolvedOptions().locale) return canonical;
    } catch {
      // Not valid in this form; try the next one.
    }
  }
  return FALLBACK;
}

/** `en_US.UTF-8@euro` / `en-US@posix` -> `en-US`: drop the codeset and modifier, `_` -> `-`. */
function posixToBcp47(tag: string): string {
  return tag.replace(/[.@].*$/, '').replaceAll('_', '-');
}

/** The repaired locale, for the console's own formatting. */
export const displayLocale: string = repairNavigator();

function repairNavigator(): string {
  if (typeof navigator === 'undefined') return FALLBACK;
  const language = safeLocale(navigator.language);
  const languages = (navigator.languages ?? []).map(safeLocale);
  if (language !== navigator.language) {
    try {
      // An own property on the instance shadows Navigator.prototype's getter.
      Object.defineProperty(navigator, 'language', { value: language, configurable: true });
      Object.defineProperty(navigator, 'languages', {
        value: Object.freeze(languages.length > 0 ? languages : [language]),
        configurable: true,
      });
    } catch {
      // A browser that refuses the shadow still gets a valid tag from displayLocale.
    }
  }
  return language;
}
