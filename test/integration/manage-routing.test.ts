import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isManagementPath } from '../../functions/handlers/api/management-paths';
import { type LocalStack, startLocalStack } from '../../local/stack';

// The api/manage split as a caller sees it: every route still answers, and a wrong method or an
// unknown path gets the same 405/404 as before, whichever function serves the path.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, pollers: false });
});
afterAll(() => stack?.stop());

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.devApiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
};

describe('the api and manage functions behind one API', () => {
  it('answers 405 naming the method for a known path of either function, 404 for an unknown one', async () => {
    for (const [method, path] of [
      ['PATCH', '/v1/topics'],
      ['POST', '/v1/recipients/r-1/preferences'],
      ['PUT', '/v1/dlq'],
      ['POST', '/openapi.json'],
      ['PUT', '/v1/notifications'],
      ['POST', '/v1/me'],
      ['DELETE', '/health'],
    ] as const) {
      const answer = await call(method, path, {});
      expect([method, path, answer.status, answer.body.message]).toEqual([
        method,
        path,
        405,
        `${method} is not allowed on ${path}`,
      ]);
    }
    for (const path of [
      '/v1/webhooks/w-1/x/y',
      '/v1/workflow-runs/r/x',
      '/v1/nothing',
      '/v1/me/x',
    ]) {
      expect([path, (await call('GET', path)).status]).toEqual([path, 404]);
    }
  });

  it('serves a send, a management call and the document that lists both', async () => {
    expect((await call('PUT', '/v1/topics/split-check', { name: 'Split' })).status).toBe(201);
    const sent = await call('POST', '/v1/notifications', {
      channels: { sms: { to: ['+14155550199'], text: 'split' } },
    });
    expect(sent.status).toBe(202);
    expect((await call('GET', `/v1/notifications/${sent.body.id}`)).status).toBe(200);
    const document = (await call('GET', '/openapi.json')).body as {
      paths: Record<string, unknown>;
    };
    for (const path of ['/v1/notifications', '/v1/topics/{key}', '/v1/templates', '/health'])
      expect(Object.keys(document.paths)).toContain(path);
  });

  it('routes by one list: every management route is under it, no send route is', async () => {
    // Imported once the stack has set the environment the route modules read at load.
    const { managementRoutes } = await import('../../functions/handlers/api/management-routes');
    const { sendRoutes } = await import('../../functions/handlers/api/send-routes');
    expect(managementRoutes.filter((r) => !isManagementPath(r.path)).map((r) => r.path)).toEqual(
      [],
    );
    expect(sendRoutes.filter((r) => isManagementPath(r.path)).map((r) => r.path)).toEqual([]);
    expect(isManagementPath('/openapi.json')).toBe(true);
    expect(isManagementPath('/health')).toBe(false);
  });
});
