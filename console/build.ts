import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The console is one HTML shell, one script and one stylesheet; nothing else is fetched. */
export const CONSOLE_FILES = ['index.html', 'app.js', 'app.css'] as const;
/** The budget for everything the page loads, gzipped. */
export const MAX_GZIPPED_BYTES = 250 * 1024;

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = join(here, 'dist');

export interface ConsoleBuild {
  outDir: string;
  /** Gzipped bytes per file and in total. */
  gzipped: Record<string, number>;
  totalGzipped: number;
}

/** Bundle console/src into `outDir` (app.js, app.css, index.html). Fails over the size budget. */
export async function buildConsole(outDir = DEFAULT_OUT_DIR): Promise<ConsoleBuild> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outDir,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await writeFile(join(outDir, 'index.html'), await readFile(join(here, 'src', 'index.html')));
  const gzipped: Record<string, number> = {};
  for (const file of CONSOLE_FILES) {
    gzipped[file] = gzipSync(await readFile(join(outDir, file)), { level: 9 }).length;
  }
  const totalGzipped = Object.values(gzipped).reduce((a, b) => a + b, 0);
  if (totalGzipped > MAX_GZIPPED_BYTES) {
    throw new Error(`console is ${totalGzipped} bytes gzipped, over ${MAX_GZIPPED_BYTES}`);
  }
  return { outDir, gzipped, totalGzipped };
}

/** Newest modification time under `dir` (recursively), 0 when it does not exist. */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Build into console/dist unless every output is newer than every source: `npm start` and the
 * browser test always serve the current sources without rebuilding on every start.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  const outputs = await Promise.all(
    CONSOLE_FILES.map((f) =>
      stat(join(DEFAULT_OUT_DIR, f)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  const oldestOutput = Math.min(...outputs);
  const sources = Math.max(
    await newestMtime(join(here, 'src')),
    (await stat(fileURLToPath(import.meta.url))).mtimeMs,
  );
  if (oldestOutput === 0 || oldestOutput < sources) await buildConsole(DEFAULT_OUT_DIR);
  return DEFAULT_OUT_DIR;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `--out DIR` lets a CDK bundling hook build straight into the Lambda asset; `--quiet` keeps
  // synth output to problems only.
  const outIndex = process.argv.indexOf('--out');
  const outDir = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const result = await buildConsole(outDir ?? DEFAULT_OUT_DIR);
  if (!process.argv.includes('--quiet')) {
    for (const [file, bytes] of Object.entries(result.gzipped)) {
      process.stdout.write(`${file.padEnd(11)} ${(bytes / 1024).toFixed(1)} KB gzipped\n`);
    }
    process.stdout.write(
      `total       ${(result.totalGzipped / 1024).toFixed(1)} KB gzipped (budget ${MAX_GZIPPED_BYTES / 1024} KB) -> ${result.outDir}\n`,
    );
  }
}
