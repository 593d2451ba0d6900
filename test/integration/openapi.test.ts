import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { buildStack, methodsByRoute } from '../infra/fixture';
import { Contract, contractOf } from '../support/contract';

// GET /openapi.json: served without a key, valid OpenAPI 3.1 (redocly lint, no errors), one
// operation per API Gateway method, and the contract check that every client call goes through.

let stack: LocalStack;
let document: Record<string, unknown>;
type Operations = Record<
  string,
  Record<string, { security?: unknown[]; 'x-herald-scope'?: string }>
>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, pollers: false });
  const answer = await fetch(`${stack.url}/openapi.json`);
  expect(answer.status).toBe(200);
  document = (await answer.json()) as Record<string, unknown>;
});
afterAll(() => stack?.stop());

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 with both key headers, the error shape and the webhook events', () => {
    expect(document.openapi).toBe('3.1.0');
    const components = document.components as Record<string, Record<string, unknown>>;
    expect(Object.keys(components.securitySchemes ?? {}).sort()).toEqual([
      'bearerKey',
      'headerKey',
    ]);
    expect(components.schemas?.Error).toBeDefined();
    expect(Object.keys(document.webhooks as object)).toContain('deliveryEvent');
    const post = (document.paths as Operations)['/v1/notifications']?.post as unknown as {
      parameters: { name: string; in: string }[];
      'x-herald-scope': string;
    };
    expect(post.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(post['x-herald-scope']).toBe('send');
  });

  it('passes redocly lint with no errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(document));
      const lint = spawnSync(
        join('node_modules', '.bin', 'redocly'),
        ['lint', file, '--format=json'],
        {
          encoding: 'utf8',
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          timeout: 60_000,
        },
      );
      const report = JSON.parse(lint.stdout) as {
        totals: { errors: number };
        problems: { ruleId: string; message: string; severity: string }[];
      };
      expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('documents exactly the routes API Gateway serves, keyless exactly where the authorizer is off', () => {
    // The console's page and files are HTML and assets served by their own function, not API
    // operations (test/infra/console.test.ts covers them): left out here by name.
    const consoleRoutes = ['GET /console', 'GET /console/{proxy+}'];
    const served = methodsByRoute(buildStack().template);
    for (const route of consoleRoutes) expect(served.has(route), route).toBe(true);
    const methods = new Map([...served].filter(([route]) => !consoleRoutes.includes(route)));
    const documented = Object.entries(document.paths as Operations).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
    expect(documented.map((d) => d.route).sort()).toEqual([...methods.keys()].sort());
    for (const { route, op } of documented) {
      const keyless = (op.security ?? []).length === 0;
      expect(methods.get(route)?.AuthorizationType, route).toBe(keyless ? 'NONE' : 'CUSTOM');
    }
  }, 60_000);

  it('the contract check rejects an answer the document does not describe', async () => {
    const contract = await contractOf(stack.url);
    expect(contract).toBeInstanceOf(Contract);
    expect(
      contract.check('POST', '/v1/notifications', 202, {
        id: 'x',
        status: 'accepted',
        deliveries: 1,
      }),
    ).toEqual([]);
    expect(
      contract.check('POST', '/v1/notifications', 202, { id: 'x', status: 'sent' }),
    ).not.toEqual([]);
    expect(contract.check('GET', '/v1/me', 418, {})).toEqual([
      'GET /v1/me: status 418 is not in the document',
    ]);
    expect(
      contract.check('GET', '/v1/notifications/abc', 404, {
        message: 'Notification abc not found',
      }),
    ).toEqual([]);
    expect(contract.check('GET', '/v1/notifications/abc', 404, { error: 'x' })).not.toEqual([]);
  });
});
