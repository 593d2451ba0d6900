import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Imports functions/runtime/tracing.ts in a fresh process with POWERTOOLS_TRACE_ENABLED set to
 * `value` and reports the async hooks switched on meanwhile (the X-Ray SDK's automatic mode is one
 * that tracks every promise to its destruction: CPU on every invocation) and whether the X-Ray SDK
 * was loaded at all.
 */
function importTracing(value: string): { hooks: string[]; xrayLoaded: boolean } {
  const script = `
    import asyncHooks from 'node:async_hooks';
    import { createRequire } from 'node:module';
    const hooks = [];
    const createHook = asyncHooks.createHook;
    asyncHooks.createHook = (callbacks) => {
      const hook = createHook(callbacks);
      const enable = hook.enable.bind(hook);
      hook.enable = () => { hooks.push(Object.keys(callbacks).join(',')); return enable(); };
      return hook;
    };
    await import('./functions/runtime/tracing.ts');
    const require = createRequire(import.meta.url);
    const xray = require.resolve('aws-xray-sdk-core');
    console.log(JSON.stringify({ hooks, xrayLoaded: xray in require.cache }));
  `;
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: {
        ...process.env,
        // As in Lambda (where the X-Ray SDK also opens a facade segment).
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: process.cwd(),
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        POWERTOOLS_TRACE_ENABLED: value,
      },
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
}

describe('tracing switched off', () => {
  it('never loads the X-Ray SDK, so no async hook follows every promise', () => {
    expect(importTracing('false')).toEqual({ hooks: [], xrayLoaded: false });
  }, 30_000);

  it('loads it when on (the probe above sees the hook it switches on)', () => {
    const on = importTracing('true');
    expect(on.xrayLoaded).toBe(true);
    expect(on.hooks).toContain('init,before,after,destroy');
  }, 30_000);
});
