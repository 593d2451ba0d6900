import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LiquidTemplateEngine } from '../functions/adapters/templates/liquid-engine';
import { VersionCache } from '../functions/core/templates/compile';
import type { TemplateContent, TemplateVersion } from '../functions/core/templates/model';
import type { TemplateRepository } from '../functions/core/templates/ports';
import { renderForRecipient } from '../functions/core/templates/render';
import { buildFunction, loadedAtStart } from '../lib/constructs/build-function';
import { loadHandler } from '../local/emulators/lambda';
import { startLocalStack } from '../local/stack';
import { BASE_ENV, weights } from './bundle-measure';
import { countSdkRequests } from './sdk-counter';
import { apiHandler, context, line, ms, percentile, quiet, servicesOf } from './support';

/*
 * Templates (issue 19): ingest with a 3-locale template rendered per recipient (their locale and
 * fields) against the same send without a template, in one run; Liquid render CPU per delivery;
 * compilations per version; bundle sizes with MJML kept to the templates function.
 */

const RECIPIENTS = 1_000;
const RUNS = 20;
const LOCALES = ['en', 'fr-CA', 'de'];

const TEMPLATE = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: {
        subject: 'Your order {{ order.id }}, {{ recipient.name }}',
        html: '<h1>Hi {{ recipient.name }}</h1><p>{{ order.items | size }} items, {{ order.total }} EUR</p>{% for i in order.items %}<li>{{ i }}</li>{% endfor %}',
        text: 'Hi {{ recipient.name }}: order {{ order.id }}',
      },
    },
    fr: {
      email: {
        subject: 'Votre commande {{ order.id }}, {{ recipient.name }}',
        html: '<h1>Bonjour {{ recipient.name }}</h1><p>{{ order.total }} EUR</p>',
        text: 'Bonjour {{ recipient.name }}',
      },
    },
    de: {
      email: {
        subject: 'Ihre Bestellung {{ order.id }}, {{ recipient.name }}',
        html: '<h1>Hallo {{ recipient.name }}</h1><p>{{ order.total }} EUR</p>',
        text: 'Hallo {{ recipient.name }}',
      },
    },
  },
  dataSchema: {
    type: 'object',
    required: ['order'],
    properties: { order: { type: 'object', required: ['id', 'total'] } },
  },
};
const DATA = { order: { id: 'A-1001', total: 42.5, items: ['book', 'pen', 'mug'] } };

type Handler = (event: APIGatewayProxyEvent, ctx: typeof context) => Promise<APIGatewayProxyResult>;

function event(method: string, path: string, body: unknown): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      authorizer: { tenantId: 'bench', keyId: 'bench', scopes: 'send read admin' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

async function call(handler: Handler, method: string, path: string, body?: unknown) {
  const answer = await handler(event(method, path, body), context);
  if (answer.statusCode >= 300)
    throw new Error(`${method} ${path}: ${answer.statusCode} ${answer.body}`);
  return answer;
}

async function ingestComparison() {
  // No reconciler: with pollers off it would requeue what this section leaves queued.
  const stack = await startLocalStack({
    port: 0,
    log: quiet,
    pollers: false,
    reconcileIntervalMs: 0,
  });
  try {
    const api = (await apiHandler()) as Handler;
    const templates = (await loadHandler('templates', 'bench-templates')) as Handler | undefined;
    if (!templates) throw new Error('functions/handlers/templates.ts is missing');
    await call(templates, 'PUT', '/v1/templates/order', TEMPLATE);
    await call(templates, 'POST', '/v1/templates/order/publish', {});
    const ids = Array.from({ length: RECIPIENTS }, (_, i) => `r-${i}`);
    // Recipients are the manage function's (functions/handlers/manage.ts), as API Gateway routes them.
    const manage = (await loadHandler('manage', 'bench-manage')) as Handler | undefined;
    if (!manage) throw new Error('functions/handlers/manage.ts is missing');
    await call(manage, 'POST', '/v1/recipients/batch', {
      items: ids.map((id, i) => ({
        id,
        name: `Person ${i}`,
        locale: LOCALES[i % LOCALES.length],
        emails: [`${id}@bench.example`],
      })),
    });
    const withTemplate = { template: { key: 'order' }, data: DATA, to: ids, channels: ['email'] };
    const without = {
      to: ids,
      channels: { email: { subject: 'Your order A-1001', text: 'Hi: order A-1001' } },
    };
    for (const body of [withTemplate, without]) await call(api, 'POST', '/v1/notifications', body);
    const counter = countSdkRequests(servicesOf(stack));
    const times = { template: [] as number[], plain: [] as number[] };
    const requests = { template: '', plain: '' };
    // Alternated, so both see the same table and the same machine.
    for (let i = 0; i < RUNS; i++) {
      for (const [kind, body] of [
        ['template', withTemplate],
        ['plain', without],
      ] as const) {
        counter.reset();
        const start = performance.now();
        await call(api, 'POST', '/v1/notifications', body);
        times[kind].push(performance.now() - start);
        const { byOperation, dynamoWriteUnits } = counter.counts;
        const reads = ['BatchGetItem', 'GetItem', 'Query'].map(
          (op) => `${byOperation[`dynamodb:${op}`] ?? 0} ${op}`,
        );
        requests[kind] =
          `${reads.join(', ')}, ${byOperation['dynamodb:BatchWriteItem'] ?? 0} BatchWriteItem (${dynamoWriteUnits} WCU)`;
      }
    }
    const p99 = { template: percentile(times.template, 99), plain: percentile(times.plain, 99) };
    line(
      `${RECIPIENTS} recipient ids, 3-locale template: p50 / p99`,
      `${ms(percentile(times.template, 50))} / ${ms(p99.template)}`,
    );
    line(
      `${RECIPIENTS} recipient ids, same send without template`,
      `${ms(percentile(times.plain, 50))} / ${ms(p99.plain)}`,
    );
    line('p99 ratio (target <= 2x)', `${(p99.template / p99.plain).toFixed(2)}x`);
    const p50 = percentile(times.template, 50) / percentile(times.plain, 50);
    line('p50 ratio', `${p50.toFixed(2)}x`);
    // What the template adds: the head read, and one CONTENT# item per delivery whose content is
    // its own (the profiles are read once, for rendering and addresses alike).
    line('  DynamoDB per send with the template', requests.template);
    line('  DynamoDB per send without', requests.plain);
  } finally {
    await stack.stop();
  }
}

async function renderCpu() {
  // Published version 1, served as the store would (the container then keeps it).
  const version: TemplateVersion = {
    ...(TEMPLATE as unknown as TemplateContent),
    tenantId: 'bench',
    key: 'order',
    version: 1,
    publishedAt: new Date().toISOString(),
    publishedBy: 'bench',
  };
  const templates = {
    head: async () => ({ latestVersion: 1 }),
    getVersion: async () => version,
  } as unknown as TemplateRepository;
  const deps = { templates, engine: new LiquidTemplateEngine(), cache: new VersionCache() };
  const round = async () => {
    const start = process.cpuUsage();
    for (let i = 0; i < RECIPIENTS; i++) {
      await renderForRecipient(
        deps,
        'bench',
        { key: 'order' },
        {
          data: DATA,
          recipient: { id: `r-${i}`, name: `Person ${i}`, locale: LOCALES[i % LOCALES.length] },
        },
      );
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / RECIPIENTS;
  };
  await round();
  const rounds: number[] = [];
  for (let i = 0; i < 5; i++) rounds.push(await round());
  line(
    'render CPU per delivery (email: subject, html, text; median of 5 x 1,000)',
    `${(percentile(rounds, 50) / 1000).toFixed(3)} ms`,
  );
  line('compilations of the version in this container', String(deps.cache.compilations));
}

/**
 * What a cold start of each function loads (as deployed, tracing on: build-function.ts, recorded
 * as `npm run bench -- bundles` does), and where MJML and liquidjs are: at start, in a chunk
 * loaded on the first call that needs it, or not in the asset at all.
 */
async function bundleSizes() {
  const targets: Record<string, number | undefined> = {
    api: 650,
    'send-email': 500,
    templates: undefined,
  };
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync(join(process.cwd(), 'node_modules/.cache/herald-bench-templates-'));
  try {
    for (const [name, target] of Object.entries(targets)) {
      const outdir = join(dir, name);
      const built = await buildFunction({ handlerName: name, outdir, sourcemap: false });
      const env = { ...BASE_ENV, POWERTOOLS_TRACE_ENABLED: 'true', LAMBDA_TASK_ROOT: outdir };
      const atStart = loadedAtStart(outdir, env);
      const loaded = weights(built.metafile, atStart.files);
      const asset = weights(built.metafile);
      const where = (pkg: string, label: string) =>
        loaded.has(pkg) ? `, ${label} at start` : asset.has(pkg) ? `, ${label} in a chunk` : '';
      const kib = atStart.bytes / 1024;
      line(
        `${name}: loaded at start${target ? ` (target <= ${target} KiB)` : ''}`,
        `${kib.toFixed(0)} KiB${where('mjml', 'MJML')}${where('liquidjs', 'liquidjs')}${
          target ? (kib <= target ? ': met' : ': NOT met') : ''
        }`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench -- templates`. */
export async function benchTemplates() {
  console.log('\nTemplates (issue 19)');
  await renderCpu();
  await bundleSizes();
  await ingestComparison();
}
