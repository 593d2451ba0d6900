import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Categories and preferences on the local stack: opt-outs per category x channel and per channel,
// category defaults, and critical categories that pass opt-outs but never reach a dead address.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

type Delivery = { channel: string; status: string; recipientId?: string; skipReason?: string };

async function deliveriesOf(body: unknown): Promise<Delivery[]> {
  const id = String((body as { id: string }).id);
  const answer = await waitFor(async () => {
    const got = await api.get(`/v1/notifications/${id}`);
    const ds = got.body.deliveries as Delivery[];
    return ds.every((d) => ['sent', 'delivered', 'skipped'].includes(d.status)) ? ds : undefined;
  });
  return answer;
}

describe('categories and preferences', () => {
  it('PUT /v1/categories/{key} creates then replaces; GET lists; a bad key is a 400', async () => {
    const created = await api.request('PUT', '/v1/categories/marketing', {
      name: 'Marketing',
      defaults: { email: true, sms: false },
    });
    expect(created.status).toBe(201);
    const replaced = await api.request('PUT', '/v1/categories/marketing', {
      name: 'News and offers',
      defaults: { email: true, sms: false },
    });
    expect(replaced.status).toBe(200);
    const security = await api.request('PUT', '/v1/categories/security', {
      name: 'Security',
      critical: true,
    });
    expect(security.status).toBe(201);
    const list = await api.get('/v1/categories');
    expect((list.body.items as { key: string }[]).map((c) => c.key).sort()).toEqual([
      'marketing',
      'security',
    ]);
    expect((await api.request('PUT', '/v1/categories/Bad Key', { name: 'x' })).status).toBe(400);
  });

  it('GET/PUT preferences: the recipient opts out per category x channel and per channel', async () => {
    await api.request('PUT', '/v1/recipients/p-1', {
      emails: ['p1@pref.example'],
      phones: ['+14155550150'],
    });
    const put = await api.request('PUT', '/v1/recipients/p-1/preferences', {
      channels: { sms: false },
      categories: { marketing: { email: false } },
    });
    expect(put.status).toBe(200);
    expect(put.body.effective).toMatchObject({
      marketing: { email: false, sms: false },
      security: { email: true, sms: true },
    });
    const got = await api.get('/v1/recipients/p-1/preferences');
    expect(got.body.preferences).toEqual({
      channels: { sms: false },
      categories: { marketing: { email: false } },
    });
    expect((await api.request('PUT', '/v1/recipients/nobody/preferences', {})).status).toBe(404);
    const bad = await api.request('PUT', '/v1/recipients/p-1/preferences', {
      channels: { fax: false },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'channels.fax' })]);
  });

  it('a marketing send skips the opted-out channels; a critical one passes them, never a suppressed address', async () => {
    await api.post('/v1/suppressions', { channel: 'sms', recipient: '+14155550159' });
    await api.request('PUT', '/v1/recipients/p-2', {
      emails: ['p2@pref.example'],
      phones: ['+14155550151', '+14155550159'],
      preferences: { channels: { sms: false, email: false } },
    });
    const content = { email: { subject: 's', text: 't' }, sms: { text: 't' } };
    const marketing = await api.post('/v1/notifications', {
      to: ['p-2'],
      category: 'marketing',
      channels: content,
    });
    expect((await deliveriesOf(marketing.body)).map((d) => [d.channel, d.skipReason])).toEqual([
      ['email', 'opted_out'],
      ['sms', 'opted_out'],
    ]);
    const critical = await api.post('/v1/notifications', {
      to: ['p-2'],
      category: 'security',
      channels: content,
    });
    const deliveries = await deliveriesOf(critical.body);
    expect(
      deliveries.map((d) => [d.channel, d.status === 'skipped' ? d.skipReason : 'sent']),
    ).toEqual([
      ['email', 'sent'],
      ['sms', 'sent'],
      ['sms', 'suppressed'],
    ]);
  });
});
