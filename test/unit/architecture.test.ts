import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const functionsDir = path.join(root, 'functions');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a file, resolved to files under functions/. */
function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return specifiers.map((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
      try {
        readFileSync(candidate);
        return candidate;
      } catch {}
    }
    return base;
  });
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
    ['adapters', "import { maskRecipient as probe } from '../../core/mask';"],
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

describe('functions/ shape', () => {
  const files = sourceFiles(functionsDir);

  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push(
          [...trail.slice(trail.indexOf(file)), file]
            .map((f) => path.relative(root, f))
            .join(' -> '),
        );
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
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
