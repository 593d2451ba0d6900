/**
 * How every Herald function is bundled: shared by HeraldFunction and `npm run bench`, so the
 * sizes and cold-import times the bench prints are those of the deployed code.
 */
export const HERALD_BUNDLING = {
  mainFields: ['module', 'main'],
  // Bundle the SDK clients each handler imports (tree-shaken) rather than the runtime's copy,
  // so the deployed code runs the versions the lockfile and the tests use.
  externalModules: [] as string[],
  // CommonJS dependencies (twilio, firebase-admin) call require() inside an ESM bundle.
  banner:
    "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);",
};
