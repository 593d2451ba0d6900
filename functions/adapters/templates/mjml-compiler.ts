import mjml2html from 'mjml';
import type { MjmlCompiler } from '../../core/templates/ports';

/*
 * MJML -> HTML with the mjml package (several MB bundled): only the templates function, which
 * publishes, loads it; senders and the api never do. Strict validation: an invalid document is
 * refused at publish with MJML's own messages rather than published half-broken. No file
 * includes (`mj-include` would read the function's disk).
 */
export class MjmlPackageCompiler implements MjmlCompiler {
  async compile(source: string): Promise<{ html: string; errors: string[] }> {
    try {
      const result = await mjml2html(source, {
        validationLevel: 'strict',
        ignoreIncludes: true,
        keepComments: false,
      });
      return { html: result.html, errors: [] };
    } catch (error) {
      const details = (error as { errors?: { formattedMessage?: string; message?: string }[] })
        .errors;
      if (Array.isArray(details) && details.length > 0) {
        return {
          html: '',
          // "Line 3 of /var/task (mj-bogus) — ...": the function's own path means nothing here.
          errors: details.map((e) =>
            (e.formattedMessage ?? e.message ?? 'invalid MJML').replace(
              /^Line (\d+) of [^(]*/,
              'line $1 ',
            ),
          ),
        };
      }
      return { html: '', errors: [(error as Error).message ?? 'invalid MJML'] };
    }
  }
}
