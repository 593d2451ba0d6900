import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitForFinal } from '../support/client';

type Client = ReturnType<typeof apiClient>;
type Delivery = { status: string; lastError?: string };

const put = (client: Client, path: string, body: unknown) => client.request('PUT', path, body);
const GLOBEX_ROLE = 'arn:aws:iam::111122223333:role/herald-ses-globex';

describe('providers per tenant › each tenant’s own SES identity', () => {
  let stack: LocalStack;
  let acme: Client;
  let globex: Client;
  let plain: Client;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
    const scopes = ['send', 'read', 'admin'] as const;
    const client = async (tenant: string) =>
      apiClient(stack, (await keys.create(tenant, { scopes: [...scopes] })).key);
    acme = await client('t-acme');
    globex = await client('t-globex');
    plain = await client('t-plain');
    // Acme: a domain of the stack's own account; Globex: an address in its own account, by role.
    const a = await put(acme, '/v1/providers/email/main', {
      identity: 'acme.example',
      from: 'Acme <hello@acme.example>',
    });
    expect(a.status).toBe(201);
    const g = await put(globex, '/v1/providers/email/main', {
      identity: 'news@globex.example',
      roleArn: GLOBEX_ROLE,
      externalId: 'globex-external-1',
    });
    expect(g.status).toBe(201);
    expect(JSON.stringify(g.body)).not.toContain('globex-external-1');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function send(client: Client, email: Record<string, unknown>) {
    const { status, body } = await client.post('/v1/notifications', {
      channels: { email: { subject: 'hello', text: 'hi', ...email } },
    });
    expect(status, JSON.stringify(body)).toBe(202);
    const done = await waitForFinal(client, body.id as string, 15_000);
    return (done.deliveries as unknown as Delivery[])[0];
  }

  /** Handed to SES (`delivered` once the stack's configuration set reports it). */
  const sentBy = (delivery: Delivery | undefined) =>
    expect(['sent', 'delivered']).toContain(delivery?.status);

  const mailTo = (recipient: string) =>
    stack.outbox.list({ channel: 'email', recipient }).map((e) => ({
      account: e.account,
      from: e.content.from,
      identity: e.content.identity,
    }));

  it('sends each tenant’s email as its own identity, from its own account', async () => {
    sentBy(await send(acme, { to: ['a1@example.net'], from: 'Billing <billing@acme.example>' }));
    sentBy(await send(acme, { to: ['a2@example.net'] }));
    sentBy(await send(globex, { to: ['g1@example.net'] }));
    sentBy(await send(plain, { to: ['p1@example.net'] }));
    expect(mailTo('a1@example.net')).toEqual([
      { account: '000000000000', from: 'Billing <billing@acme.example>', identity: 'acme.example' },
    ]);
    // No `from`: the provider's default From.
    expect(mailTo('a2@example.net')).toEqual([
      { account: '000000000000', from: 'Acme <hello@acme.example>', identity: 'acme.example' },
    ]);
    // Through the role: Globex's account, its identity named by ARN.
    expect(mailTo('g1@example.net')).toEqual([
      {
        account: '111122223333',
        from: 'news@globex.example',
        identity: 'arn:aws:ses:us-east-1:111122223333:identity/news@globex.example',
      },
    ]);
    // A tenant without an identity of its own keeps the stack's sender.
    expect(mailTo('p1@example.net')).toEqual([
      { account: '000000000000', from: 'Herald <herald@example.com>', identity: 'example.com' },
    ]);
  });

  it('refuses a from outside the tenant’s identities at the field, and enqueues nothing', async () => {
    const before = stack.outbox.list({ channel: 'email' }).length;
    for (const from of [
      'ceo@globex.example',
      'Herald <herald@example.com>',
      'x@acme.example.org',
    ]) {
      const { status, body } = await acme.post('/v1/notifications', {
        channels: { email: { to: ['a9@example.net'], subject: 's', text: 't', from } },
      });
      expect(status).toBe(400);
      expect(body.errors).toEqual([
        expect.objectContaining({
          path: 'channels.email.from',
          message: expect.stringContaining('acme.example'),
        }),
      ]);
    }
    // The same rule when the request is routed (a workflow run per request).
    const routed = await acme.post('/v1/notifications', {
      channels: {
        // The stack's sender domain: allowed to a tenant without identities, not to acme.
        email: { to: ['a9@example.net'], subject: 's', text: 't', from: 'herald@example.com' },
        sms: { to: ['+14155550100'], text: 't' },
      },
      routing: { method: 'first', channels: ['email', 'sms'], timeout: '1m' },
    });
    expect(routed.status).toBe(400);
    expect(routed.body.errors).toEqual([
      expect.objectContaining({
        path: 'channels.email.from',
        message: expect.stringContaining('acme.example'),
      }),
    ]);
    // A subdomain of a verified domain is within it.
    sentBy(await send(acme, { to: ['a3@example.net'], from: 'ops@mail.acme.example' }));
    expect(stack.outbox.list({ channel: 'email' }).length).toBe(before + 1);
  });

  it('keeps an identity of the stack’s account to one tenant', async () => {
    const taken = await put(globex, '/v1/providers/email/stolen', {
      identity: 'acme.example',
      from: 'x@acme.example',
    });
    expect(taken.status).toBe(409);
    expect((await globex.get('/v1/providers/email/stolen')).status).toBe(404);
  });

  it('verify: checks the identity through the tenant’s role, and says what is wrong', async () => {
    expect((await acme.post('/v1/providers/email/main/verify', {})).body).toMatchObject({
      ok: true,
    });
    expect((await globex.post('/v1/providers/email/main/verify', {})).body).toMatchObject({
      ok: true,
    });
    await put(acme, '/v1/providers/email/pending', {
      identity: 'unverified.example',
      from: 'a@unverified.example',
      priority: 9,
    });
    const pending = await acme.post('/v1/providers/email/pending/verify', {});
    expect(pending.body).toMatchObject({ ok: false });
    expect(String(pending.body.problem)).toContain('is not verified for sending');
    expect(String(pending.body.problem)).toContain('DKIM status is PENDING');
    await put(globex, '/v1/providers/email/refused', {
      identity: 'ops@globex.example',
      roleArn: 'arn:aws:iam::111122223333:role/herald-ses-invalid',
      externalId: 'globex-external-1',
      priority: 9,
    });
    const refused = await globex.post('/v1/providers/email/refused/verify', {});
    expect(refused.body).toMatchObject({ ok: false });
    expect(String(refused.body.problem)).toContain('could not be assumed');
    await acme.delete('/v1/providers/email/pending');
    await globex.delete('/v1/providers/email/refused');
  });

  it('fails a send through a role the tenant’s account refuses permanently, not into the DLQ', async () => {
    // A tenant that has sent nothing yet: no channel function holds its provider list.
    const revoked = apiClient(
      stack,
      (
        await new ApiKeyStore(
          DynamoDBDocumentClient.from(new DynamoDBClient({})),
          stack.env.TABLE_NAME ?? '',
        ).create('t-revoked', { scopes: ['send', 'read', 'admin'] })
      ).key,
    );
    const { status } = await put(revoked, '/v1/providers/email/revoked', {
      identity: 'plain.example',
      from: 'hi@plain.example',
      roleArn: 'arn:aws:iam::444455556666:role/herald-ses-revoked',
      externalId: 'invalid-external',
    });
    expect(status).toBe(201);
    const delivery = await send(revoked, { to: ['p2@example.net'] });
    expect(delivery).toMatchObject({ status: 'failed' });
    expect(delivery?.lastError).toContain('email/revoked');
    expect(mailTo('p2@example.net')).toEqual([]);
    expect((await stack.dlq()).email).toEqual([]);
    await revoked.delete('/v1/providers/email/revoked');
  });

  it('refuses a provider of the wrong shape at the field', async () => {
    const noExternal = await put(acme, '/v1/providers/email/x', {
      identity: 'x@acme.example',
      roleArn: 'arn:aws:iam::111122223333:role/herald-ses-x',
    });
    expect(noExternal.status).toBe(400);
    expect(noExternal.body.errors).toEqual([expect.objectContaining({ path: 'externalId' })]);
    const badRole = await put(acme, '/v1/providers/email/x', {
      identity: 'x@acme.example',
      roleArn: 'arn:aws:iam::111122223333:role/admin',
      externalId: 'e-1',
    });
    expect(badRole.body.errors).toEqual([expect.objectContaining({ path: 'roleArn' })]);
    const unlisted = await put(acme, '/v1/providers/email/x', {
      identity: 'other.example',
      from: 'a@other.example',
    });
    expect(unlisted.status).toBe(400);
    expect(unlisted.body.errors).toEqual([
      expect.objectContaining({
        path: 'identity',
        message: expect.stringContaining('for one in your own account, name roleArn'),
      }),
    ]);
    const noFrom = await put(acme, '/v1/providers/email/x', { identity: 'acme-three.example' });
    expect(noFrom.body.errors).toEqual([
      expect.objectContaining({ path: 'from', message: 'is required for a domain identity' }),
    ]);
    const sharedRate = await put(acme, '/v1/providers/email/x', {
      identity: 'x@acme.example',
      ratePerSecond: 50,
    });
    expect(sharedRate.body.errors).toEqual([expect.objectContaining({ path: 'ratePerSecond' })]);
    const outside = await put(acme, '/v1/providers/email/x', {
      identity: 'acme.example',
      from: 'a@globex.example',
    });
    expect(outside.body.errors).toEqual([expect.objectContaining({ path: 'from' })]);
    expect((await acme.get('/v1/providers/email/x')).status).toBe(404);
  });
});
