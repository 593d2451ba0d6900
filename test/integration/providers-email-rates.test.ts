import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

/** Rates run 5x faster here: an account allowed 2 messages/s takes 10/s. */
const SCALE = 5;

type Delivery = { recipient: string; status: string; attempts: number };
type Client = ReturnType<typeof apiClient>;

describe('send rates › SES: each account’s sending rate, held across concurrent senders', () => {
  let stack: LocalStack;
  let keys: ApiKeyStore;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      log: () => undefined,
      logLevel: 'SILENT',
      senderRateScale: SCALE,
      // Three receive loops per lane, each with its own copy of the email function.
      pollersPerChannel: 3,
    });
    keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A tenant whose SES identity is in its own account, reached through its role. */
  async function tenantWithAccount(tenant: string, account: string, ratePerSecond: number) {
    const client = apiClient(
      stack,
      (await keys.create(tenant, { scopes: ['send', 'read', 'admin'] })).key,
    );
    const { status } = await client.request('PUT', '/v1/providers/email/own', {
      identity: `ops@${tenant}.example`,
      roleArn: `arn:aws:iam::${account}:role/herald-ses-${tenant}`,
      externalId: `external-${tenant}`,
      ratePerSecond,
    });
    expect(status).toBe(201);
    // The account's real quota, as the SES fake enforces it.
    stack.providerRates.sesQuotas.set(account, 2);
    return client;
  }

  const recipients = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.net`);

  async function burst(client: Client, to: string[]) {
    const { status, body } = await client.post('/v1/notifications', {
      channels: { email: { to, subject: 'burst', text: 'hello' } },
    });
    expect(status).toBe(202);
    return body.id as string;
  }

  it('holds the account’s rate: every email sent once, no SES throttling, no extra attempt', async () => {
    const client = await tenantWithAccount('burst', '222233334444', 2);
    const to = recipients('burst', 25);
    const done = await waitForFinal(client, await burst(client, to), 30_000);
    const deliveries = done.deliveries as unknown as Delivery[];
    expect(deliveries.map((d) => d.status)).toEqual(to.map(() => 'sent'));
    // Waiting for the rate is never an attempt.
    expect(deliveries.map((d) => d.attempts)).toEqual(to.map(() => 1));
    expect(stack.providerRates.refused('ses:222233334444')).toBe(0);
    const sent = stack.outbox.list({ channel: 'email' }).filter((e) => to.includes(e.recipient));
    expect(sent).toHaveLength(25);
    expect(new Set(sent.map((e) => e.account))).toEqual(new Set(['222233334444']));
  });

  it('is what keeps SES from throttling: a rate above the account’s quota gets 429s', async () => {
    // The tenant claims 40/s; its account allows 2/s: the gate books 40/s and SES refuses.
    const client = await tenantWithAccount('liar', '333344445555', 40);
    await burst(client, recipients('liar', 25));
    await waitFor(
      async () => (stack.providerRates.refused('ses:333344445555') > 0 ? true : undefined),
      15_000,
      'the SES fake to refuse sends over the account’s quota',
    );
  });
});
