/*
 * `typescript` for the Lambda bundles: never loaded. MJML's HTML minifier (htmlnano) finds its
 * settings with cosmiconfig, which requires the TypeScript compiler only to read a `.ts` settings
 * file, and only when minifying; the templates function never minifies and has no such file. The
 * real package is 3.5 MB of the templates bundle (and statically requires source-map-support,
 * which is not installed). Should anything ever load it, it fails saying why.
 */
throw new Error('typescript is not part of Herald bundles (lib/constructs/typescript-shim.cjs)');
