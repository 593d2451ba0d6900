import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor, waitForFinal } from '../support/client';

type Client = ReturnType<typeof apiClient>;
type Delivery = { status: string; recipient: string; lastError?: string };

const LIST = '/v1/providers/slack-allow-list';

describe('providers per tenant › a Slack allow-list for tenants sharing the stack’s bot', () => {
  let stack: LocalStack;
  let keys: ApiKeyStore;

  const tenant = async (
    id: string,
    scopes: ('send' | 'read' | 'admin')[] = ['send', 'read', 'admin'],
  ) => apiClient(stack, (await keys.create(id, { scopes })).key);

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, log: () => undefined, logLevel: 'SILENT' });
    keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      stack.env.TABLE_NAME ?? '',
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const slack = (client: Client, channel: string) =>
    client.post('/v1/notifications', { channels: { slack: { channel, text: 'hello' } } });

  async function delivered(client: Client, channel: string) {
    const { status, body } = await slack(client, channel);
    expect(status).toBe(202);
    const done = await waitForFinal(client, body.id as string, 15_000);
    return (done.deliveries as unknown as Delivery[])[0];
  }

  it('posts only to listed channels: any other is a 400 at the channel, nothing sent', async () => {
    const acme = await tenant('t-acme-allow');
    const put = await acme.request('PUT', LIST, { channels: ['#acme-ops', 'C0ACME01'] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mode: 'allow-list', channels: ['#acme-ops', 'C0ACME01'] });

    expect(await delivered(acme, '#acme-ops')).toMatchObject({ status: 'delivered' });
    // Compared without # and case.
    expect(await delivered(acme, 'ACME-OPS')).toMatchObject({ status: 'delivered' });
    expect(await delivered(acme, 'C0ACME01')).toMatchObject({ status: 'delivered' });

    const refused = await slack(acme, '#globex-private');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      {
        path: 'channels.slack.channel',
        message:
          'must be a channel on this tenant’s allow-list for the stack’s Slack bot: #acme-ops, C0ACME01',
      },
    ]);
    // The legacy dispatch route holds to it too, at its own field.
    const legacy = await acme.post('/notification/dispatch', {
      type: 'slack',
      channel: '#globex-private',
      message: 'hello',
    });
    expect(legacy.status).toBe(400);
    expect((legacy.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['channel']);
    expect(stack.outbox.list({ channel: 'slack', recipient: '#globex-private' })).toEqual([]);
  });

  it('holds channels from recipient profiles (by id or through a topic) at the send: failed, with the reason', async () => {
    const acme = await tenant('t-acme-allow-2');
    await acme.request('PUT', LIST, { channels: ['#acme-ops'] });
    const items = [
      { id: 'r-listed', slack: { channel: '#acme-ops' } },
      { id: 'r-elsewhere', slack: { channel: '#elsewhere' } },
    ];
    expect((await acme.post('/v1/recipients/batch', { items })).status).toBe(200);
    // Addressed by recipient id: the profiles' channels are read after validation.
    const direct = await acme.post('/v1/notifications', {
      to: ['r-listed', 'r-elsewhere'],
      channels: { slack: { text: 'hello' } },
    });
    expect(direct.status).toBe(202);
    const done = await waitForFinal(acme, String(direct.body.id), 15_000);
    const byId = done.deliveries as unknown as Delivery[];
    expect(byId.find((d) => d.recipient === '#acme-ops')?.status).toBe('delivered');
    expect(byId.find((d) => d.recipient === '#elsewhere')).toMatchObject({ status: 'failed' });
    // Through a topic, the same.
    expect((await acme.request('PUT', '/v1/topics/allow-news', {})).status).toBe(201);
    const subscribed = await acme.post('/v1/topics/allow-news/subscribers', {
      ids: ['r-listed', 'r-elsewhere'],
    });
    expect(subscribed.status).toBe(200);
    const sent = await acme.post('/v1/notifications', {
      to: { topic: 'allow-news' },
      channels: { slack: { text: 'news' } },
    });
    expect([sent.status, sent.body]).toEqual([202, expect.anything()]);
    const deliveries = await waitFor(
      async () => {
        const answer = await acme.get(`/v1/notifications/${String(sent.body.id)}`);
        const list = answer.body.deliveries as Delivery[];
        const final =
          list.length === 2 && list.every((d) => ['delivered', 'failed'].includes(d.status));
        return final ? list : undefined;
      },
      20_000,
      'both topic deliveries final',
    );
    const by = (channel: string) => deliveries.find((d) => d.recipient === channel);
    expect(by('#acme-ops')?.status).toBe('delivered');
    expect(by('#elsewhere')).toMatchObject({ status: 'failed' });
    expect(by('#elsewhere')?.lastError).toContain('not on this tenant’s allow-list');
    expect(stack.outbox.list({ channel: 'slack', recipient: '#elsewhere' })).toEqual([]);
    expect((await stack.dlq()).slack).toEqual([]);
  });

  it('leaves a tenant with its own bot alone, and a tenant without a list on today’s rule', async () => {
    const globex = await tenant('t-globex-allow');
    expect(
      (
        await globex.request('PUT', '/v1/providers/slack/bot', {
          botToken: 'xoxb-globex-0000-cccccc',
        })
      ).status,
    ).toBe(201);
    await globex.request('PUT', LIST, { channels: ['#only-this'] });
    expect((await globex.get(LIST)).body).toMatchObject({ mode: 'own-bot' });
    expect(await delivered(globex, '#globex-anything')).toMatchObject({ status: 'delivered' });
    expect(stack.outbox.list({ channel: 'slack', recipient: '#globex-anything' })[0]?.account).toBe(
      'cccccc',
    );

    // No list: any channel, as a single-tenant stack has always posted (SLACK_ALLOW_LIST_REQUIRED off).
    const initech = await tenant('t-initech-allow');
    expect((await initech.get(LIST)).body).toEqual({ mode: 'any' });
    expect(await delivered(initech, '#initech-anything')).toMatchObject({ status: 'delivered' });
  });

  it('is set by an admin key only, with each bad channel a 400 at its index; DELETE lifts it', async () => {
    const hooli = await tenant('t-hooli-allow');
    const sender = await tenant('t-hooli-allow', ['send', 'read']);
    expect((await sender.request('PUT', LIST, { channels: ['#x'] })).status).toBe(403);
    const bad = await hooli.request('PUT', LIST, { channels: ['#ok', 'has space', ''] });
    expect(bad.status).toBe(400);
    expect([...new Set((bad.body.errors as { path: string }[]).map((e) => e.path))]).toEqual([
      'channels[1]',
      'channels[2]',
    ]);
    expect((await hooli.request('PUT', LIST, { channels: [] })).body).toEqual(
      expect.objectContaining({ mode: 'allow-list', channels: [] }),
    );
    const none = await slack(hooli, '#hooli');
    expect(none.status).toBe(400);
    expect(String((none.body.errors as { message: string }[])[0]?.message)).toContain(
      'no channel is on its allow-list',
    );
    expect((await hooli.delete(LIST)).status).toBe(204);
    expect((await hooli.delete(LIST)).status).toBe(404);
    // Lifted: the api's cache of the list is dropped with it (this container), so at once here.
    await waitFor(async () => ((await slack(hooli, '#hooli')).status === 202 ? true : undefined));
  });
});
