import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { schemaKeysPlugin } from './schema-keys-plugin';

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

/**
 * The SDK's event-stream codec (15 KiB): the SDK's HTTP protocol reaches it through
 * `await import()` only for an operation that streams events, which no call Herald makes does. The
 * Lambda client imports it statically (the durable SDK's checkpoints, the events function's
 * callbacks), so the functions using that client bundle it; every other function leaves it out.
 */
export const EVENT_STREAM_CODEC = '@smithy/core/event-streams';
/** The handlers whose bundle imports the codec statically (through the Lambda SDK client). */
export const EVENT_STREAM_HANDLERS = ['events', 'workflow', 'workflow-trigger'];

/** What `handler`'s bundle leaves out (test/unit/bundling.test.ts checks each is a dynamic import). */
export function externalModulesFor(handler: string): string[] {
  return EVENT_STREAM_HANDLERS.includes(handler)
    ? [...LAZY_UNUSED_MODULES]
    : [...LAZY_UNUSED_MODULES, EVENT_STREAM_CODEC];
}

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
 * bench and the tests, which build and measure what is deployed; with `external:
 * externalModulesFor(handler)` for one handler's bundle.
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
  // The SDK's schema modules, made tree-shakable (schema-keys-plugin.ts).
  plugins: [schemaKeysPlugin] as Plugin[],
} as const;
