import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_CSP,
  createConsoleHandler,
  readConsoleAssets,
} from '../../functions/handlers/console';

const event = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
  ({ path, httpMethod: method, headers }) as unknown as APIGatewayProxyEvent;

describe('console handler', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-console-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'app.css'), 'body{}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the page at /console and / with the CSP and no caching without revalidation', async () => {
    const handler = createConsoleHandler(() => readConsoleAssets(dir));
    for (const path of ['/console', '/console/', '/']) {
      const result = await handler(event(path));
      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('<title>t</title>');
      expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(result.headers?.['content-security-policy']).toBe(CONSOLE_CSP);
      expect(result.headers?.['cache-control']).toBe('no-cache');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe');
  });

  it('serves the script and the stylesheet with their types', async () => {
    const handler = createConsoleHandler(() => readConsoleAssets(dir));
    const js = await handler(event('/console/app.js'));
    expect(js.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    const css = await handler(event('/console/app.css'));
    expect(css.headers?.['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers?.['cache-control']).toBe('public, max-age=300');
  });

  it('answers 304 to a matching If-None-Match and 200 to a stale one', async () => {
    const handler = createConsoleHandler(() => readConsoleAssets(dir));
    const first = await handler(event('/console/app.js'));
    const etag = String(first.headers?.etag);
    const again = await handler(event('/console/app.js', 'GET', { 'If-None-Match': etag }));
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const stale = await handler(event('/console/app.js', 'GET', { 'if-none-match': '"old"' }));
    expect(stale.statusCode).toBe(200);
  });

  it('answers 404 to other paths and 405 to other methods, never a 5xx', async () => {
    const handler = createConsoleHandler(() => readConsoleAssets(dir));
    expect((await handler(event('/console/secrets.txt'))).statusCode).toBe(404);
    expect((await handler(event('/v1/notifications'))).statusCode).toBe(404);
    const post = await handler(event('/console', 'POST'));
    expect(post.statusCode).toBe(405);
    expect(post.headers?.allow).toBe('GET, HEAD');
    const head = await handler(event('/console', 'HEAD'));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('bundles on its own: no api handler, no AWS SDK', async () => {
    const result = await build({
      entryPoints: ['functions/handlers/console.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs)).toEqual(['functions/handlers/console.ts']);
  });
});
