/**
 * Builds one Herald function's Lambda asset: the handler bundled by esbuild into `index.mjs`, and
 * what it imports only through `await import()` (the api's template engine, the email sender's
 * STS client) split into `chunks/`, loaded on the first call that needs them rather than at every
 * cold start. HeraldFunction runs this file in a child process while synthesizing (esbuild's
 * plugins need its asynchronous API; CDK's local bundling is synchronous); `npm run bench --
 * bundles` and the tests call buildFunction() directly, so what they measure is what deploys.
 *
 *   tsx lib/constructs/build-function.ts <handler> <outdir>
 */
import { spawnSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ESBUILD_OPTIONS, externalModulesFor } from './bundling';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The file Lambda loads (handler `index.handler`). */
export const ENTRY_FILE = 'index.mjs';

export interface FunctionBuild {
  metafile: Metafile;
  /** Bytes of all JavaScript in the asset (cold start plus the chunks loaded on demand). */
  totalBytes: number;
  /**
   * The chunks behind an `await import()`, with their bytes. One that runs at start (the
   * Tracer's, when tracing is on) is among them: loadedAtStart() tells what a start loads.
   */
  onDemand: Array<{ file: string; bytes: number }>;
}

export interface BuildFunctionOptions {
  /** File name under functions/handlers/ without extension, e.g. `send-email`. */
  handlerName: string;
  outdir: string;
  /** Source maps next to each file (deployed: yes). @default true */
  sourcemap?: boolean;
  /** Extra esbuild options (the bench's variants): alias and external replace the defaults. */
  alias?: Record<string, string>;
  external?: string[];
}

export async function buildFunction(options: BuildFunctionOptions): Promise<FunctionBuild> {
  const result = await build({
    ...ESBUILD_OPTIONS,
    absWorkingDir: ROOT,
    entryPoints: { index: `functions/handlers/${options.handlerName}.ts` },
    outdir: options.outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    sourcemap: options.sourcemap === false ? false : 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    external: options.external ?? externalModulesFor(options.handlerName),
    alias: options.alias ?? ESBUILD_OPTIONS.alias,
  });
  return { metafile: result.metafile, ...sizes(result.metafile, options.outdir) };
}

/** Total and on-demand bytes of a build's JavaScript outputs (see FunctionBuild). */
export function sizes(metafile: Metafile, outdir: string): Omit<FunctionBuild, 'metafile'> {
  const outputs = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  const entry = outputs.find(([file]) => file.endsWith(`/${ENTRY_FILE}`) || file === ENTRY_FILE);
  if (!entry) throw new Error(`no ${ENTRY_FILE} among ${outputs.map(([f]) => f).join(', ')}`);
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const i of metafile.outputs[file]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry[0]);
  const bytes = (files: Array<[string, { bytes: number }]>) =>
    files.reduce((sum, [, output]) => sum + output.bytes, 0);
  const base = realpathSync(resolve(ROOT, outdir));
  return {
    totalBytes: bytes(outputs),
    onDemand: outputs
      .filter(([file]) => !loaded.has(file))
      .map(([file, output]) => ({
        file: relative(base, realpathSync(resolve(ROOT, file))),
        bytes: output.bytes,
      })),
  };
}

/**
 * The files of `outdir` a cold start loads (import of index.mjs, in a fresh process, with
 * `env`): recorded by a module hook, so a chunk behind `await import()` that runs at start (the
 * Tracer's, when tracing is on) counts and one that waits for a call (the template engine) does
 * not. Returns their paths and bytes, and what index.mjs exports.
 */
export function loadedAtStart(
  outdir: string,
  env: Record<string, string>,
): { files: Set<string>; bytes: number; exports: string[] } {
  const entry = join(outdir, ENTRY_FILE);
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ load(url, context, next) { seen.add(url); return next(url, context); } });
const m = await import(${JSON.stringify(pathToFileURL(entry).href)});
console.log(JSON.stringify({ seen: [...seen], exports: Object.keys(m) }));`,
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  if (child.status !== 0)
    throw new Error(`import of ${entry} failed: ${child.stderr.slice(-1500)}`);
  const base = pathToFileURL(outdir).href;
  const { seen: urls, exports } = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
    seen: string[];
    exports: string[];
  };
  const files = new Set(
    urls
      .filter((url) => url.startsWith(`${base}/`) && url.endsWith('.mjs'))
      .map((url) => fileURLToPath(url)),
  );
  const bytes = [...files].reduce((sum, file) => sum + statSync(file).size, 0);
  return { files, bytes, exports };
}

// Run as a script (HeraldFunction's local bundling): build, print nothing on success.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [handlerName, outdir] = process.argv.slice(2);
  if (!handlerName || !outdir) {
    console.error('usage: tsx lib/constructs/build-function.ts <handler> <outdir>');
    process.exit(2);
  }
  await buildFunction({ handlerName, outdir });
}
