/**
 * Lambda bundles: size, cold import time and what weighs in each, built the way
 * lib/constructs/herald-function.ts builds them, plus the variants the deployment could choose
 * (tracing on, source maps loaded, AWS SDK taken from the Lambda runtime instead of bundled).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ESBUILD_OPTIONS, externalModulesFor, HERALD_BUNDLING } from '../lib/constructs/bundling';

/**
 * Targets (size KiB, cold import ms): issue 13's, the api's and the email sender's sizes as issue
 * 19 restated them (650 and 500 KiB); sms and whatsapp are another issue's.
 */
const TARGETS: Record<string, { kib: number; ms: number }> = {
  api: { kib: 650, ms: 80 },
  authorizer: { kib: 350, ms: 80 },
  'send-email': { kib: 500, ms: 120 },
  'send-slack': { kib: 500, ms: 120 },
  'send-mqtt': { kib: 500, ms: 120 },
  'send-push': { kib: 500, ms: 120 },
  'send-sms': { kib: 1536, ms: 200 },
  'send-whatsapp': { kib: 1536, ms: 200 },
};

export const BUNDLED_HANDLERS = [
  'api',
  'manage',
  'authorizer',
  'release-scheduled',
  'send-email',
  'send-sms',
  'send-whatsapp',
  'send-push',
  'send-slack',
  'send-mqtt',
  'events',
  'webhook-sender',
];

const RUNS = 7;

/**
 * Sizes at the start of issue 19's second round (commit 485821d, 2026-12-07), printed next to
 * today's: what cutting imports by design has changed since.
 */
const BEFORE_KIB: Record<string, number> = { api: 977, 'send-email': 642 };

/**
 * The issue lets the push function carry firebase-admin's own weight beyond its 500 KiB: the
 * packages firebase-admin brings (its dependencies, transitively, as installed) that no other
 * dependency of Herald's brings too. Their bytes in the push bundle are not counted against it.
 */
function dependencyClosure(root: string): Set<string> {
  const names = new Set<string>();
  const seenDirs = new Set<string>();
  // Node's resolution: the dependent's own node_modules first, then each parent's.
  const resolve = (name: string, fromDir: string): string | undefined => {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dir === dirname(dir) || dir === '.' || dir === '') return undefined;
    }
  };
  const visit = (name: string, fromDir: string) => {
    const dir = resolve(name, fromDir);
    if (dir === undefined || seenDirs.has(dir)) return;
    seenDirs.add(dir);
    names.add(name);
    const { dependencies = {} } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(dependencies)) visit(dependency, dir);
  };
  visit(root, process.cwd());
  return names;
}

export function allowedWeight(name: string, weights: Map<string, number>): number {
  if (name !== 'send-push') return 0;
  const firebase = dependencyClosure('firebase-admin');
  const shared = new Set<string>();
  for (const other of ['@aws-sdk/client-dynamodb', '@aws-lambda-powertools/tracer', '@middy/core'])
    for (const dependency of dependencyClosure(other)) shared.add(dependency);
  let bytes = 0;
  for (const [pkg, size] of weights) if (firebase.has(pkg) && !shared.has(pkg)) bytes += size;
  return bytes;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (v: number) => `${v.toFixed(0)} ms`;

const BASE_ENV = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 't',
  QUEUE_URL_EMAIL: 'https://sqs.us-east-1.amazonaws.com/1/e',
  QUEUE_URL_SMS: 'https://sqs.us-east-1.amazonaws.com/1/s',
  QUEUE_URL_WHATSAPP: 'https://sqs.us-east-1.amazonaws.com/1/w',
  QUEUE_URL_PUSH: 'https://sqs.us-east-1.amazonaws.com/1/p',
  QUEUE_URL_SLACK: 'https://sqs.us-east-1.amazonaws.com/1/sl',
  QUEUE_URL_MQTT: 'https://sqs.us-east-1.amazonaws.com/1/m',
  EMAIL_FROM: 'a@example.com',
  TWILIO_SECRET_ID: 'x',
  SLACK_SECRET_ID: 'x',
  FCM_SECRET_ID: 'x',
  EVENTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:herald-bench-events',
  WEBHOOK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/wh',
  WEBHOOK_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/wh-dlq',
  // As in Lambda: what makes the Tracer (and the X-Ray SDK) run in Lambda mode.
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  _X_AMZN_TRACE_ID: 'Root=1-6760a2b1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
};

interface Variant {
  label: string;
  file: string;
  env: Record<string, string>;
  nodeArgs: string[];
}

/** Median CPU time of `import(file)` in fresh processes; variants interleaved against drift. */
function coldImports(variants: Variant[]): number[] {
  const times: number[][] = variants.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    variants.forEach((variant, i) => {
      const child = spawnSync(
        process.execPath,
        [
          ...variant.nodeArgs,
          '--input-type=module',
          '-e',
          // CPU time (user + system) of the import, not wall time: on a machine shared with other
          // work, waiting for a core would otherwise dominate the figure.
          `const c=process.cpuUsage();await import(${JSON.stringify(variant.file)});const d=process.cpuUsage(c);console.log((d.user+d.system)/1000)`,
        ],
        { env: { ...process.env, ...variant.env }, encoding: 'utf8' },
      );
      const value = Number(child.stdout.trim().split('\n').pop());
      if (child.status !== 0 || child.stdout.trim() === '' || Number.isNaN(value))
        throw new Error(`import of ${variant.file} failed: ${child.stderr.slice(-1500)}`);
      times[i]?.push(value);
    });
  }
  return times.map(median);
}

/** Bytes in the output per npm package (or `herald` for our own code). */
export function weights(metafile: Metafile): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? 'herald';
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return byPackage;
}

/** What the bench varies: SDK from the Lambda runtime, or the tracer left out (to price tracing). */
type BundleVariant = 'deployed' | 'sdk-external' | 'no-tracer';

const NO_TRACER = join(process.cwd(), 'bench/stubs/no-tracer.ts');

async function bundle(name: string, dir: string, variant: BundleVariant) {
  const outfile = join(dir, `${name}.${variant}.mjs`);
  const result = await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [`functions/handlers/${name}.ts`],
    outfile,
    logLevel: 'silent',
    sourcemap: 'external',
    sourcesContent: false,
    metafile: true,
    external:
      variant === 'sdk-external'
        ? ['@aws-sdk/*', ...externalModulesFor(name)]
        : externalModulesFor(name),
    alias:
      variant === 'no-tracer'
        ? {
            ...HERALD_BUNDLING.alias,
            '@aws-lambda-powertools/tracer': NO_TRACER,
            '@aws-lambda-powertools/tracer/middleware': NO_TRACER,
          }
        : HERALD_BUNDLING.alias,
  });
  return { outfile, size: statSync(outfile).size, weights: weights(result.metafile) };
}

const signed = (v: number) => `${v >= 0 ? '+' : ''}${ms(v)}`;

export async function benchBundles(): Promise<void> {
  console.log(
    `\nLambda bundles as deployed (esbuild, minified ESM, node24; cold import = CPU ms of import() with tracing on and source maps on, as deployed; median of ${RUNS} fresh processes)`,
  );
  console.log(
    '  handler            size   before   import   of which X-Ray  switch off  source maps  SDK from runtime (size / import)   target',
  );
  // Inside the project, so that a bundle with the SDK left out finds it in node_modules (as the
  // Lambda runtime's own copy would be found).
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), 'node_modules/.cache/herald-bundles-'));
  const heaviest: string[] = [];
  try {
    for (const name of BUNDLED_HANDLERS) {
      const bundled = await bundle(name, dir, 'deployed');
      const external = await bundle(name, dir, 'sdk-external');
      const noTracer = await bundle(name, dir, 'no-tracer');
      const on = { ...BASE_ENV, POWERTOOLS_TRACE_ENABLED: 'true', LAMBDA_TASK_ROOT: dir };
      const off = { ...on, POWERTOOLS_TRACE_ENABLED: 'false' };
      const maps = ['--enable-source-maps'];
      const [deployed, switchedOff, withoutMaps, withoutTracer, fromRuntime] = coldImports([
        { label: 'deployed', file: bundled.outfile, env: on, nodeArgs: maps },
        { label: 'switch off', file: bundled.outfile, env: off, nodeArgs: maps },
        { label: 'no maps', file: bundled.outfile, env: on, nodeArgs: [] },
        { label: 'no tracer', file: noTracer.outfile, env: off, nodeArgs: maps },
        { label: 'sdk external', file: external.outfile, env: on, nodeArgs: maps },
      ]) as [number, number, number, number, number];
      const target = TARGETS[name];
      const allowed = allowedWeight(name, bundled.weights);
      const counted = bundled.size - allowed;
      const verdict = target
        ? `${counted / 1024 <= target.kib && deployed <= target.ms ? 'met' : 'NOT met'} (${target.kib} KiB / ${target.ms} ms)${allowed > 0 ? `: ${kib(counted)} without firebase-admin and its dependencies (${kib(allowed)})` : ''}`
        : '';
      console.log(
        `  ${name.padEnd(17)} ${kib(bundled.size).padStart(8)} ${(BEFORE_KIB[name] ? `${BEFORE_KIB[name]} KiB` : '').padStart(8)} ${ms(deployed).padStart(7)}  ${signed(deployed - withoutTracer).padStart(14)}  ${signed(switchedOff - deployed).padStart(10)}  ${signed(deployed - withoutMaps).padStart(11)}  ${`${kib(external.size)} / ${ms(fromRuntime)}`.padStart(32)}   ${verdict}`,
      );
      const top = [...bundled.weights]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`);
      heaviest.push(`  ${name.padEnd(17)}  ${top.join(', ')}`);
    }
    console.log(
      '  of which X-Ray: import time of the Powertools Tracer and the X-Ray SDK (bundle without them); switch off: cdk.json tracing=false (the Tracer and the X-Ray SDK are then not loaded)',
    );
    console.log('  heaviest packages in each bundle (bytes in the minified output)');
    for (const row of heaviest) console.log(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
