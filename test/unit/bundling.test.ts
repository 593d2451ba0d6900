import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  ESBUILD_OPTIONS,
  EVENT_STREAM_CODEC,
  EVENT_STREAM_HANDLERS,
  externalModulesFor,
  HERALD_BUNDLING,
  LAZY_UNUSED_MODULES,
  SEMVER_SHIM,
} from '../../lib/constructs/bundling';

const HANDLERS = readdirSync('functions/handlers')
  .filter((file) => file.endsWith('.ts'))
  .map((file) => `functions/handlers/${file}`);

const nameOf = (entry: string) => entry.replace(/^.*\/|\.ts$/g, '');
/**
 * Every handler built as deployed (with its own externals: externalModulesFor), in memory, with
 * one metafile for all of them.
 */
async function buildAll(minify = true) {
  const groups = [true, false].map((codec) =>
    HANDLERS.filter((entry) => EVENT_STREAM_HANDLERS.includes(nameOf(entry)) === codec),
  );
  const results = await Promise.all(
    groups.map((entries) =>
      build({
        ...ESBUILD_OPTIONS,
        external: externalModulesFor(nameOf(entries[0] ?? '')),
        minify,
        entryPoints: entries,
        outdir: 'out',
        write: false,
        logLevel: 'silent',
        metafile: true,
      }),
    ),
  );
  return {
    metafile: {
      inputs: Object.assign(
        {},
        ...results.map((r) => r.metafile.inputs),
      ) as (typeof results)[0]['metafile']['inputs'],
      outputs: Object.assign(
        {},
        ...results.map((r) => r.metafile.outputs),
      ) as (typeof results)[0]['metafile']['outputs'],
    },
  };
}
/** Not installed, required inside try/catch by a dependency (debug, under firebase-admin). */
const OPTIONAL = ['supports-color'];
const isBuiltin = (path: string) =>
  path.startsWith('node:') || builtinModules.includes(path.split('/')[0] ?? path);

/**
 * Libraries a function never calls, so must never carry: each was once pulled in by a shared
 * module (the tenant router gave every sender @slack/web-api, 64 KiB); `npm run bench -- bundles`
 * prints what each cut saved.
 */
const VENDOR_SDKS = ['@slack/web-api', 'twilio', 'firebase-admin'];
/**
 * The api function's size budget (minified, one file, liquidjs included): its send and read path,
 * with headroom for growth; a management capability pulled back into it (100-265 KiB each)
 * crosses it. Issue 19's 650 KiB counts what a cold start loads, without the template engine's
 * chunk (test/unit/asset-build.test.ts, `npm run bench -- bundles`).
 */
const API_BUDGET_KIB = 740;
const TEMPLATE_LIBS = ['liquidjs', 'mjml', 'html-minifier', 'juice'];
const NEVER_CARRIED: Record<string, string[]> = {
  'send-email': [...VENDOR_SDKS, ...TEMPLATE_LIBS],
  'send-sms': ['@slack/web-api', 'firebase-admin', ...TEMPLATE_LIBS],
  'send-whatsapp': ['@slack/web-api', 'firebase-admin', ...TEMPLATE_LIBS],
  'send-slack': ['twilio', 'firebase-admin', ...TEMPLATE_LIBS],
  'send-mqtt': [...VENDOR_SDKS, ...TEMPLATE_LIBS],
  'send-push': ['@slack/web-api', 'twilio', ...TEMPLATE_LIBS],
};
/** Herald modules that must stay out of a bundle (the vendor a sender does not send with). */
const NEVER_CARRIED_HERALD: Record<string, string[]> = {
  'send-email': ['adapters/providers/slack/', 'adapters/providers/sms/'],
  'send-mqtt': ['adapters/providers/slack/', 'adapters/providers/sms/'],
  'send-sms': ['adapters/providers/slack/'],
  'send-slack': ['adapters/providers/sms/'],
};

describe('Lambda bundles', () => {
  it('carry no library and no vendor adapter their function never calls', async () => {
    const result = await buildAll(false);
    const carried = (handler: string) =>
      Object.keys(result.metafile.outputs[`out/${handler}.js`]?.inputs ?? {});
    for (const [handler, packages] of Object.entries(NEVER_CARRIED)) {
      const inputs = carried(handler);
      expect([handler, inputs.length > 0]).toEqual([handler, true]);
      for (const name of packages)
        expect([handler, name, inputs.filter((i) => i.includes(`node_modules/${name}/`))]).toEqual([
          handler,
          name,
          [],
        ]);
    }
    for (const [handler, modules] of Object.entries(NEVER_CARRIED_HERALD))
      for (const module of modules)
        expect([
          handler,
          carried(handler).filter((i) => i.includes(`functions/${module}`)),
        ]).toEqual([handler, []]);
    // The api renders templates only for sends that name one: liquidjs is bundled (a template
    // send needs it) but reached only through the lazy engine's import(), never at cold start.
    const liquidImports = Object.entries(result.metafile.inputs).flatMap(([from, { imports }]) =>
      imports
        .filter((i) => i.path.endsWith('adapters/templates/liquid-engine.ts'))
        .map((i) => `${i.kind} ${from.replace(/^.*functions\//, '')}`),
    );
    const staticInApi = liquidImports.filter(
      (line) => !line.startsWith('dynamic-import') && !line.endsWith('handlers/templates.ts'),
    );
    expect(staticInApi.filter((line) => !line.includes('workflow-sends'))).toEqual([]);
    expect(carried('api').some((i) => i.includes('node_modules/liquidjs/'))).toBe(true);
    expect(
      carried('api').filter((i) => /node_modules\/(mjml|html-minifier|juice)/.test(i)),
    ).toEqual([]);
    // The check can fail: the slack function does carry its SDK, the templates function MJML.
    expect(carried('send-slack').some((i) => i.includes('node_modules/@slack/web-api/'))).toBe(
      true,
    );
    expect(carried('templates').some((i) => i.includes('node_modules/mjml'))).toBe(true);
  }, 60_000);

  it('keep every management capability out of the api function (the manage function serves them)', async () => {
    const result = await buildAll();
    const carried = (handler: string) =>
      Object.keys(result.metafile.outputs[`out/${handler}.js`]?.inputs ?? {});
    // The route modules of the manage function, as management-routes.ts lists them today, plus
    // the templates function's routes and the OpenAPI generator behind /openapi.json.
    const routeModules = (
      result.metafile.inputs['functions/handlers/api/management-routes.ts']?.imports ?? []
    )
      .map((i) => i.path)
      .filter(
        (path) => path.startsWith('functions/handlers/api/') && !path.endsWith('/context.ts'),
      );
    expect(routeModules.length).toBeGreaterThanOrEqual(12);
    const management = [
      ...routeModules,
      'functions/handlers/api/templates.ts',
      'functions/handlers/api/openapi.ts',
      'node_modules/zod/v4/core/to-json-schema.js',
      // What only management calls: provider secrets, tenant SES identities (verify), Twilio's
      // signature check, the dead-letter use-cases, webhook management.
      'node_modules/@aws-sdk/client-secrets-manager/',
      'node_modules/@aws-sdk/client-sesv2/',
      'node_modules/@aws-sdk/client-sts/',
      'node_modules/twilio/',
      'functions/core/dead-letters/',
      'functions/core/webhooks/',
    ];
    const pulled = (handler: string) =>
      management.filter((module) => carried(handler).some((input) => input.includes(module)));
    expect(pulled('api')).toEqual([]);
    // The routing shorthand starts runs with two signed calls, not the Lambda SDK client (74 KiB
    // of schemas and errors): runtime/durable-engine.ts.
    expect(
      carried('api').filter((i) => i.includes('node_modules/@aws-sdk/client-lambda/')),
    ).toEqual([]);
    // The check can fail: the manage function carries every one of them.
    expect(pulled('manage')).toEqual(management);
    // And its size: the send path alone (measured 694 KiB; the management routes added ~265 KiB
    // to it). `npm run bench -- bundles` prints what weighs in it.
    const kib = (handler: string) =>
      (result.metafile.outputs[`out/${handler}.js`]?.bytes ?? 0) / 1024;
    expect(kib('api')).toBeLessThan(API_BUDGET_KIB);
    expect(kib('manage')).toBeGreaterThan(API_BUDGET_KIB);
  }, 60_000);

  it('leave out only modules the SDK imports lazily on paths Herald never takes, and nothing else', async () => {
    const result = await buildAll();
    const leftOut = Object.entries(result.metafile.outputs).flatMap(([output, { imports }]) =>
      imports
        .filter((i) => i.external && !isBuiltin(i.path) && !OPTIONAL.includes(i.path))
        .map((i) => `${output.replace(/^out\//, '')} ${i.kind} ${i.path}`),
    );
    // A static import of a left-out package would fail every cold start in Lambda.
    for (const line of leftOut) expect(line).toMatch(/ dynamic-import /);
    // (A package's files are under node_modules/<name>/; @smithy/core's subpath under its dist.)
    const where = (name: string) =>
      name.startsWith('@smithy/core/')
        ? `node_modules/@smithy/core/dist-es/submodules/${name.slice('@smithy/core/'.length)}/`
        : `node_modules/${name}/`;
    const paths = new Set(leftOut.map((line) => line.split(' ')[2]));
    expect([...paths].sort()).toEqual([...LAZY_UNUSED_MODULES, EVENT_STREAM_CODEC].sort());
    // The event-stream codec is left out of every bundle but those that import it statically.
    const codecLeftOut = (handler: string) =>
      leftOut.some(
        (line) => line.startsWith(`${handler}.js `) && line.endsWith(EVENT_STREAM_CODEC),
      );
    for (const entry of HANDLERS.map(nameOf).filter((h) => h !== 'console'))
      expect([entry, codecLeftOut(entry)]).toEqual([entry, !EVENT_STREAM_HANDLERS.includes(entry)]);
    // And none of them is in a bundle that leaves it out.
    const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    const codecIn = (handler: string) =>
      Object.keys(result.metafile.outputs[`out/${handler}.js`]?.inputs ?? {}).some((input) =>
        input.includes(where(EVENT_STREAM_CODEC)),
      );
    for (const entry of HANDLERS.map(nameOf))
      expect([entry, codecIn(entry)]).toEqual([entry, EVENT_STREAM_HANDLERS.includes(entry)]);
    for (const name of LAZY_UNUSED_MODULES)
      expect(inputs.filter((input) => input.includes(where(name)))).toEqual([]);
    // The check above looks in the right place: without the list, they are bundled.
    const unlisted = await build({
      entryPoints: ['functions/handlers/send-email.ts'],
      outdir: 'out',
      write: false,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      metafile: true,
      mainFields: HERALD_BUNDLING.mainFields,
    });
    const unlistedInputs = Object.keys(unlisted.metafile.inputs);
    for (const name of [...LAZY_UNUSED_MODULES, EVENT_STREAM_CODEC])
      expect([name, unlistedInputs.some((input) => input.includes(where(name)))]).toEqual([
        name,
        true,
      ]);
  }, 60_000);

  it('load node:http through require(), never an ES import (an ES import loads undici on Node 24)', async () => {
    const result = await buildAll(false);
    const esImports = Object.entries(result.metafile.outputs).flatMap(([output, { imports }]) =>
      imports
        .filter((i) => /^(node:)?http$/.test(i.path) && i.kind !== 'require-call')
        .map((i) => `${output} ${i.kind} ${i.path}`),
    );
    expect(esImports).toEqual([]);
    // Every handler but the console's (no SDK, no tracer) does use node:http, through the shim.
    const withoutShim = Object.entries(result.metafile.outputs)
      .filter(([output]) => output.endsWith('.js'))
      .filter(
        ([, { inputs }]) => !Object.keys(inputs).some((i) => i.endsWith('node-http-shim.mjs')),
      )
      .map(([output]) => output);
    expect(withoutShim).toEqual(['out/console.js']);
  }, 60_000);

  it("give semver only to the X-Ray SDK's one call of gte, whose answers the shim matches", async () => {
    const result = await buildAll(false);
    const importers = new Set<string>();
    for (const [input, { imports }] of Object.entries(result.metafile.inputs))
      for (const i of imports)
        if (i.original === 'semver') importers.add(input.replace(/^.*node_modules\//, ''));
    expect([...importers]).toEqual(['aws-xray-sdk-core/dist/lib/patchers/aws_p.js']);
    type Semver = { gte: (a: string, b: string) => boolean };
    const require = createRequire(import.meta.url);
    const shim = require(SEMVER_SHIM) as Semver;
    // The semver the shim stands in for: the one the X-Ray SDK resolves.
    const semver = createRequire(require.resolve('aws-xray-sdk-core'))('semver') as Semver;
    const versions = ['0.0.1', '1.0.0', '1.2.3', '1.10.0', '2.0.0', '8.0.0', '24.11.1', 'v24.11.1'];
    for (const a of versions)
      for (const b of versions) expect([a, b, shim.gte(a, b)]).toEqual([a, b, semver.gte(a, b)]);
    expect(() => shim.gte('not a version', '1.0.0')).toThrow(/Invalid Version/);
  }, 60_000);

  it('give operators zod messages in the deployed bundle, not just "Invalid input"', async () => {
    mkdirSync('node_modules/.cache', { recursive: true });
    const outfile = join(process.cwd(), 'node_modules/.cache/bundling-test-send-email.mjs');
    await build({
      ...ESBUILD_OPTIONS,
      entryPoints: ['functions/handlers/send-email.ts'],
      outfile,
      logLevel: 'silent',
    });
    // A cold start with a malformed setting: the error names the variable and says what is wrong.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(outfile)}); try { await m.handler({ Records: [] }, { getRemainingTimeInMillis: () => 30000 }); } catch (e) { console.log(e.message); }`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          EMAIL_FROM: 'a@example.com',
          TABLE_NAME: 't',
          QUEUE_URL_EMAIL: 'https://sqs.us-east-1.amazonaws.com/1/e',
          RETRY_BASE_SECONDS: 'soon',
        },
        encoding: 'utf8',
      },
    );
    expect(`${child.stdout}${child.stderr}`).toContain(
      'RETRY_BASE_SECONDS: Invalid input: expected number, received NaN',
    );
  }, 60_000);
});
