import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { createLocalServiceAccount } from '../../local/fakes/fcm-fake';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

type Client = ReturnType<typeof apiClient>;
type Delivery = { status: string; attempts: number; lastError?: string };

const put = (client: Client, path: string, body: unknown) => client.request('PUT', path, body);

/** A tenant's own Firebase project: a real key, so the credential signs as it would in AWS. */
const project = (projectId: string, email?: string) => {
  const account = createLocalServiceAccount(projectId);
  return email ? { ...account, client_email: email } : account;
};

describe('providers per tenant › each tenant’s own FCM project', () => {
  let stack: LocalStack;
  let keys: ApiKeyStore;
  const accounts = { acme: project('acme-push'), globex: project('globex-push') };
  const clients: Record<string, Client> = {};

  const tenant = async (id: string) => {
    const { key } = await keys.create(id, { scopes: ['send', 'read', 'admin'] });
    return apiClient(stack, key);
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    for (const name of ['acme', 'globex'] as const) {
      clients[name] = await tenant(`t-${name}-push`);
      const created = await put(clients[name] as Client, '/v1/providers/push/main', {
        serviceAccount: accounts[name],
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function push(client: Client, token: string) {
    const { status, body } = await client.post('/v1/notifications', {
      channels: { push: { tokens: [token], title: 'Hello', body: 'there' } },
    });
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 15_000);
    return (done.deliveries as unknown as Delivery[])[0];
  }

  it('sends each tenant’s pushes through its own project; a tenant without one uses the stack’s', async () => {
    const acme = clients.acme as Client;
    const globex = clients.globex as Client;
    expect(await push(acme, 'token-acme-1')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await push(globex, 'token-globex-1')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await push(apiClient(stack), 'token-stack-1')).toMatchObject({ status: 'sent' });
    const by = (token: string) => stack.outbox.list({ channel: 'push', recipient: token });
    // Each project sees only its own tenant's traffic.
    expect(by('token-acme-1').map((e) => e.account)).toEqual(['acme-push']);
    expect(by('token-globex-1').map((e) => e.account)).toEqual(['globex-push']);
    expect(by('token-stack-1').map((e) => e.account)).toEqual(['herald-local']);
  });

  it('never shows the key: GET shows the project, the sending account and the rate', async () => {
    const { status, body } = await (clients.acme as Client).get('/v1/providers/push/main');
    expect(status).toBe(200);
    const text = JSON.stringify(body);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(accounts.acme.private_key_id);
    expect(body).toMatchObject({
      channel: 'push',
      settings: {
        vendor: 'fcm',
        projectId: 'acme-push',
        clientEmail: accounts.acme.client_email,
      },
      rates: [{ sender: 'acme-push', ratePerSecond: 10_000, breaker: 'closed' }],
      credentials: 'stored (write-only)',
    });
  });

  it('verify: an FCM dry run says whether the project takes the service account', async () => {
    const acme = clients.acme as Client;
    const before = stack.outbox.list({ channel: 'push' }).length;
    expect((await acme.post('/v1/providers/push/main/verify', {})).body).toMatchObject({
      ok: true,
    });
    // A dry run delivers nothing.
    expect(stack.outbox.list({ channel: 'push' })).toHaveLength(before);

    await put(acme, '/v1/providers/push/revoked', {
      serviceAccount: project('acme-push', 'invalid@acme-push.iam.gserviceaccount.com'),
      priority: 9,
    });
    const refused = await acme.post('/v1/providers/push/revoked/verify', {});
    expect(refused.body).toMatchObject({ ok: false });
    expect(String(refused.body.problem)).toContain(
      'Google refused the service account invalid@acme-push.iam.gserviceaccount.com: invalid_grant',
    );

    // globex's service account, claiming acme's project: the project refuses it.
    await put(acme, '/v1/providers/push/borrowed', {
      serviceAccount: { ...accounts.globex, project_id: 'acme-push' },
      priority: 9,
    });
    const borrowed = await acme.post('/v1/providers/push/borrowed/verify', {});
    expect(borrowed.body).toMatchObject({ ok: false });
    expect(String(borrowed.body.problem)).toContain(
      `${accounts.globex.client_email} may not send for project acme-push (PERMISSION_DENIED`,
    );
    expect((await acme.get('/v1/providers/push/revoked')).body.verification).toMatchObject({
      ok: false,
    });
    expect((await acme.delete('/v1/providers/push/revoked')).status).toBe(204);
    expect((await acme.delete('/v1/providers/push/borrowed')).status).toBe(204);
  });

  it('refuses a service account of the wrong shape at its field, and a rate above FCM’s', async () => {
    const acme = clients.acme as Client;
    const { private_key: _, ...keyless } = accounts.acme;
    const missing = await put(acme, '/v1/providers/push/x', { serviceAccount: keyless });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ path: 'serviceAccount.private_key', message: 'is required' }),
    ]);
    const shape = await put(acme, '/v1/providers/push/x', {
      serviceAccount: { ...accounts.acme, client_email: 'someone@example.com', type: 'user' },
    });
    expect((shape.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
      'serviceAccount.client_email',
      'serviceAccount.type',
    ]);
    const tooFast = await put(acme, '/v1/providers/push/x', {
      serviceAccount: accounts.acme,
      ratePerSecond: 20_000,
    });
    expect(tooFast.status).toBe(400);
    expect((tooFast.body.errors as { message: string }[])[0]?.message).toContain(
      'must be at most 10000 messages/s',
    );
    expect((await acme.get('/v1/providers/push/x')).status).toBe(404);
  });

  it('fails a send through the tenant’s refused service account permanently, not into the DLQ', async () => {
    const initech = await tenant('t-initech-push');
    const revoked = project('initech-push', 'invalid@initech-push.iam.gserviceaccount.com');
    expect(
      (await put(initech, '/v1/providers/push/main', { serviceAccount: revoked })).status,
    ).toBe(201);
    const delivery = await push(initech, 'token-initech-1');
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery?.lastError).toContain(
      'the tenant provider push/main refused its credentials (fcm/credential-refused)',
    );
    expect(stack.outbox.list({ channel: 'push', recipient: 'token-initech-1' })).toEqual([]);
    expect((await stack.dlq()).push).toEqual([]);
  });
});
