import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const functionsDir = path.join(root, 'functions');
/** Every folder of source the project ships or runs (tests are not held to these rules). */
const SOURCE_DIRS = ['functions', 'lib', 'local', 'bench', 'bin', 'console/src'];
const SOURCE_FILE = /\.(ts|tsx|mts|mjs|cjs)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * Relative imports of a file (`import ... from`, `export ... from`, `import '...'`), resolved to
 * files. Type-only imports count: a cycle of types is still a cycle to read.
 */
function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    const candidates = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), base];
    return candidates.find((candidate) => existsSync(candidate) && !isDirectory(candidate)) ?? base;
  });
}

function isDirectory(file: string): boolean {
  try {
    return readdirSync(file) !== undefined;
  } catch {
    return false;
  }
}

/** Every cycle a depth-first walk meets in `graph`, as `a -> b -> a` (names relative to root). */
function cyclesOf(graph: Map<string, string[]>, name = (n: string) => path.relative(root, n)) {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(node)), node].map(name).join(' -> '));
      return;
    }
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  return cycles;
}

/** Runs Biome's linter on a file; the exit status says whether it passed. */
function lint(file: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(path.join(root, 'node_modules/.bin/biome'), ['lint', file], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { ok: true, output };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

describe('functions/ dependency rule (core <- adapters <- runtime <- handlers)', () => {
  const probes: string[] = [];
  afterEach(() => {
    for (const dir of probes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a one-import file into a layer and lints it. */
  function probe(layer: string, importLine: string) {
    const dir = mkdtempSync(path.join(functionsDir, layer, 'zz-probe-'));
    probes.push(dir);
    const file = path.join(dir, 'probe.ts');
    writeFileSync(file, `${importLine}\nexport const used = probe;\n`);
    return lint(file);
  }

  it.each([
    ['core', "import { SqsDeliveryQueue as probe } from '../../adapters/sqs/delivery-queue';"],
    ['core', "import { loadApiConfig as probe } from '../../runtime/config';"],
    ['core', "import { SQSClient as probe } from '@aws-sdk/client-sqs';"],
    ['adapters', "import { loadApiConfig as probe } from '../../runtime/config';"],
    ['runtime', "import { handler as probe } from '../../handlers/api';"],
    ['handlers', "import { startLocalStack as probe } from '../../../local/stack';"],
  ])('rejects a %s file that imports against the rule: %s', (layer, line) => {
    const result = probe(layer, line);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noRestrictedImports');
  });

  it.each([
    ['core', "import { z as probe } from 'zod';"],
    ['handlers', "import probe from 'zod';"],
  ])('rejects classic zod in a %s file (zod/mini only): %s', (layer, line) => {
    const result = probe(layer, line);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('never classic zod');
  });

  it.each([
    ['core', "import * as probe from 'zod/mini';"],
    ['adapters', "import { maskRecipient as probe } from '../../core/shared/mask';"],
    [
      'runtime',
      "import { NotificationStore as probe } from '../../adapters/dynamodb/notification-store';",
    ],
  ])('accepts a %s file that imports along the rule: %s', (layer, line) => {
    expect(probe(layer, line)).toMatchObject({ ok: true });
  });

  it('core reads no process.env', () => {
    const dir = mkdtempSync(path.join(functionsDir, 'core', 'zz-probe-'));
    probes.push(dir);
    const file = path.join(dir, 'probe.ts');
    writeFileSync(file, 'export const probe = process.env.TABLE_NAME;\n');
    expect(lint(file)).toMatchObject({ ok: false });
  });
});

describe('source shape (functions, lib, local, bench, bin, console/src)', () => {
  const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(path.join(root, dir)));

  it('reads every source folder', () => {
    for (const dir of SOURCE_DIRS) {
      expect(files.some((f) => f.startsWith(path.join(root, dir) + path.sep))).toBe(true);
    }
  });

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('keeps every file at 300 lines or fewer', () => {
    const long = files
      .map((f) => ({
        file: path.relative(root, f),
        lines: readFileSync(f, 'utf8').split('\n').length - 1,
      }))
      .filter((f) => f.lines > 300);
    expect(long).toEqual([]);
  });
});

describe('functions/core capability folders', () => {
  const coreDir = path.join(functionsDir, 'core');
  /** The capability folder (notifications, delivery, ...) a file under core/ belongs to. */
  const capabilityOf = (file: string): string | undefined => {
    const relative = path.relative(coreDir, file);
    const [first, ...rest] = relative.split(path.sep);
    return relative.startsWith('..') || rest.length === 0 ? undefined : first;
  };

  it('import each other in one direction only: no cycle between two folders or more', () => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(coreDir)) {
      const from = capabilityOf(file);
      if (!from) continue;
      const targets = localImports(file)
        .map(capabilityOf)
        .filter((to): to is string => to !== undefined && to !== from);
      graph.set(from, [...new Set([...(graph.get(from) ?? []), ...targets])]);
    }
    expect(graph.size).toBeGreaterThan(3);
    expect(cyclesOf(graph, (capability) => `core/${capability}`)).toEqual([]);
  });

  it('the folder check sees a cycle when there is one', () => {
    const graph = new Map([
      ['notifications', ['shared', 'delivery']],
      ['delivery', ['shared', 'events']],
      ['events', ['notifications']],
      ['shared', []],
    ]);
    expect(cyclesOf(graph, (c) => c)).toEqual([
      'notifications -> delivery -> events -> notifications',
    ]);
  });
});
