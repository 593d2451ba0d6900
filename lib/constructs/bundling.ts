import { fileURLToPath } from 'node:url';

/**
 * How every Herald function is bundled: shared by HeraldFunction and `npm run bench`, so the
 * sizes and cold-import times the bench prints are those of the deployed code.
 */

/**
 * Modules the AWS SDK reaches only through `await import()`, on paths Herald's functions never
 * take, left out of the bundles (measured: 130–150 KiB off each, most of it the credential chain):
 * - the credential providers after `fromEnv` in the default chain: Lambda always puts the function
 *   role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *   AWS_SESSION_TOKEN), so the chain stops at `fromEnv` (SSO/STS/sign-in clients, INI files,
 *   IMDS, container credentials are never loaded);
 * Event-stream serialization (`@smithy/core/event-streams`) is bundled: the Lambda client (the
 * durable SDK's checkpoints, starting workflow runs, completing their waits) imports it statically.
 * Were one ever imported, it would come from the copy the Lambda runtime ships.
 * test/unit/bundling.test.ts fails if an SDK update starts importing one of them statically.
 */
export const LAZY_UNUSED_MODULES = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/** `node:http` through require(): see node-http-shim.mjs (9–20 ms of cold start on Node 24). */
const NODE_HTTP_SHIM = fileURLToPath(new URL('./node-http-shim.mjs', import.meta.url));
/** `semver` reduced to the `gte` the X-Ray SDK calls: see semver-shim.cjs (28 KiB). */
export const SEMVER_SHIM = fileURLToPath(new URL('./semver-shim.cjs', import.meta.url));
/** `typescript`, which MJML's minifier could load for a `.ts` settings file: see typescript-shim.cjs. */
const TYPESCRIPT_SHIM = fileURLToPath(new URL('./typescript-shim.cjs', import.meta.url));

export const HERALD_BUNDLING = {
  mainFields: ['module', 'main'],
  // Bundle the SDK clients each handler imports (tree-shaken) rather than the runtime's copy,
  // so the deployed code runs the versions the lockfile and the tests use (and imports faster:
  // `npm run bench -- bundles` measures both).
  externalModules: [...LAZY_UNUSED_MODULES],
  // esbuild `alias`: imports of these modules resolve to the given files instead.
  alias: {
    'node:http': NODE_HTTP_SHIM,
    http: NODE_HTTP_SHIM,
    semver: SEMVER_SHIM,
    typescript: TYPESCRIPT_SHIM,
  } as Record<string, string>,
  // CommonJS dependencies (twilio, firebase-admin) call require() inside an ESM bundle.
  banner:
    "import { createRequire as __heraldCreateRequire } from 'node:module'; const require = __heraldCreateRequire(import.meta.url);",
};

/**
 * The same build in esbuild's API terms (HeraldFunction passes the equivalent CDK props), for the
 * bench and the tests, which build and measure what is deployed.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: HERALD_BUNDLING.mainFields,
  external: HERALD_BUNDLING.externalModules,
  alias: HERALD_BUNDLING.alias,
  banner: { js: HERALD_BUNDLING.banner },
} as const;
