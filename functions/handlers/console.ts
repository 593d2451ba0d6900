import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/**
 * The console's only sources are this origin: no inline script or style, no CDN, no third
 * party. `connect-src 'self'` is what lets it call the API it is served by.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One served file: body, type and a validator for conditional requests. */
interface Asset {
  body: string;
  contentType: string;
  etag: string;
  cacheControl: string;
}

export interface ConsoleAssets {
  html: Asset;
  js: Asset;
  css: Asset;
}

function asset(body: string, contentType: string, cacheControl: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType, etag, cacheControl };
}

/**
 * Reads console/build.ts's output (index.html, app.js, app.css) from `dir`. The file names are
 * not content-hashed, so caches revalidate: the page always, the script and style after 5 min.
 */
export function readConsoleAssets(dir: string): ConsoleAssets {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    html: asset(read('index.html'), 'text/html; charset=utf-8', 'no-cache'),
    js: asset(read('app.js'), 'text/javascript; charset=utf-8', 'public, max-age=300'),
    css: asset(read('app.css'), 'text/css; charset=utf-8', 'public, max-age=300'),
  };
}

/** `/console`, `/console/` (and `/` locally) are the page; its files sit under `/console/`. */
function assetFor(path: string, assets: ConsoleAssets): Asset | undefined {
  if (path === '/' || path === '/console' || path === '/console/') return assets.html;
  if (path.startsWith('/console/') && path.endsWith('/app.js')) return assets.js;
  if (path.startsWith('/console/') && path.endsWith('/app.css')) return assets.css;
  return undefined;
}

function plain(statusCode: number, message: string, extra: Record<string, string> = {}) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...SECURITY_HEADERS, ...extra },
    body: JSON.stringify({ message }),
  };
}

/**
 * An API Gateway proxy handler serving the console; `load` runs on the first request and its
 * answer is kept (a failed load is retried on the next request).
 */
export function createConsoleHandler(load: () => ConsoleAssets | Promise<ConsoleAssets>) {
  let assets: ConsoleAssets | undefined;
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = event.httpMethod.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return plain(405, `${method} is not allowed on ${event.path}`, { allow: 'GET, HEAD' });
    }
    assets ??= await load();
    const found = assetFor(event.path, assets);
    if (!found) return plain(404, `No route for ${method} ${event.path}`);
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': found.contentType,
      'cache-control': found.cacheControl,
      etag: found.etag,
    };
    const ifNoneMatch = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'if-none-match',
    )?.[1];
    if (ifNoneMatch?.split(/\s*,\s*/).includes(found.etag)) {
      return { statusCode: 304, headers, body: '' };
    }
    return { statusCode: 200, headers, body: method === 'HEAD' ? '' : found.body };
  };
}

/**
 * In Lambda the bundle sits next to this file's bundle (`console/` in the asset, copied there
 * by the function's bundling hook).
 */
export const handler = createConsoleHandler(() =>
  readConsoleAssets(fileURLToPath(new URL('./console/', import.meta.url))),
);
