/**
 * What `npm run bench -- bundles` measures of a built function: cold-import CPU time, bytes per
 * npm package, and the push function's firebase-admin allowance (what a start loads:
 * loadedAtStart in lib/constructs/build-function.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Metafile } from 'esbuild';

export const RUNS = 7;

/** A Lambda-like environment for a cold import (tracing is set by the caller). */
export const BASE_ENV = {
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

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
export interface Variant {
  label: string;
  file: string;
  env: Record<string, string>;
  nodeArgs: string[];
}

/** Median CPU time of `import(file)` in fresh processes; variants interleaved against drift. */
export function coldImports(variants: Variant[]): number[] {
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

/**
 * Bytes in the output per npm package (or `herald` for our own code); with `only`, in those
 * output files (absolute paths) alone.
 */
export function weights(metafile: Metafile, only?: Set<string>): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (only && !only.has(resolve(file))) continue;
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? 'herald';
      byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return byPackage;
}
