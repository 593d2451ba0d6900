import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// POST /v1/templates/{key}/render on the local stack: every channel previewed, nothing sent;
// locale fallback, HTML escaping, strict variables, schema, render limits, pinned versions.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

const order = {
  defaultLocale: 'en',
  locales: {
    en: {
      email: {
        subject: 'Order {{ order.id }} shipped',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ name }}, order {{ order.id }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
      sms: { text: 'Order {{ order.id }} shipped, {{ name }}' },
      push: { title: 'Shipped', body: '{{ order.id }}', data: { orderId: '{{ order.id }}' } },
      slack: {
        text: 'Order {{ order.id }}',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*{{ name }}*' } }],
      },
      whatsapp: { contentSid: `HX${'a'.repeat(32)}`, variables: { '1': '{{ name }}' } },
      mqtt: { payload: { event: 'shipped', order: '{{ order.id }}' } },
    },
    fr: {
      email: { subject: 'Commande {{ order.id }} expédiée', html: '<p>Bonjour {{ name }}</p>' },
      sms: { text: 'Commande {{ order.id }} expédiée' },
    },
  },
  dataSchema: {
    type: 'object',
    required: ['name', 'order'],
    properties: {
      name: { type: 'string' },
      order: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
    },
  },
};
const data = { name: 'Zoé <script>', order: { id: 'A-1' } };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, pollers: false });
  api = apiClient(stack);
  expect((await api.request('PUT', '/v1/templates/order', order)).status).toBe(200);
});
afterAll(() => stack?.stop());

describe('POST /v1/templates/{key}/render', () => {
  it('previews the draft on every channel, MJML compiled, HTML escaped in html only', async () => {
    const answer = await api.post('/v1/templates/order/render', { data });
    expect(answer.status).toBe(200);
    const content = answer.body.content as Record<string, Record<string, unknown>>;
    expect(answer.body.version).toBeUndefined();
    expect(content.email?.subject).toBe('Order A-1 shipped');
    expect(content.email?.html).toContain('Hi Zoé &lt;script&gt;, order A-1');
    expect(content.sms).toEqual({ text: 'Order A-1 shipped, Zoé <script>' });
    expect(content.push).toEqual({ title: 'Shipped', body: 'A-1', data: { orderId: 'A-1' } });
    expect(content.slack?.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Zoé <script>*' } },
    ]);
    expect(content.whatsapp).toEqual({
      contentSid: `HX${'a'.repeat(32)}`,
      variables: { '1': 'Zoé <script>' },
    });
    expect(JSON.parse(String(content.mqtt?.payload))).toEqual({ event: 'shipped', order: 'A-1' });
    expect(stack.outbox.list()).toEqual([]);
  });

  it('previews an unsaved draft sent with the request, its errors under `draft`', async () => {
    const unsaved = {
      defaultLocale: 'en',
      locales: { en: { sms: { text: 'Draft for {{ name }}' } } },
    };
    const answer = await api.post('/v1/templates/order/render', { draft: unsaved, data });
    expect(answer.body.content).toEqual({ sms: { text: 'Draft for Zoé <script>' } });
    const broken = await api.post('/v1/templates/order/render', {
      draft: { defaultLocale: 'en', locales: { en: { sms: { text: '{{ name | nope }}' } } } },
      data,
    });
    expect(broken.status).toBe(422);
    expect(broken.body.errors).toEqual([
      expect.objectContaining({ path: 'draft.locales.en.sms.text' }),
    ]);
    // The saved draft is untouched.
    expect((await api.get('/v1/templates/order')).body.draft).toMatchObject({
      defaultLocale: 'en',
    });
    expect(JSON.stringify((await api.get('/v1/templates/order')).body.draft)).toContain('mjml');
  });

  it('falls back fr-CA -> fr -> default per channel; the recipient’s locale wins', async () => {
    const answer = await api.post('/v1/templates/order/render', {
      data,
      locale: 'de',
      recipient: { locale: 'fr-CA' },
    });
    expect(answer.body.locales).toMatchObject({ email: 'fr', sms: 'fr', push: 'en' });
    const content = answer.body.content as Record<string, Record<string, unknown>>;
    expect(content.sms?.text).toBe('Commande A-1 expédiée');
    expect(content.email?.html).toBe('<p>Bonjour Zoé &lt;script&gt;</p>');
  });

  it('answers 422 with the field path: schema, missing variable, unknown filter at publish, render limit', async () => {
    const schema = await api.post('/v1/templates/order/render', { data: { name: 'x' } });
    expect(schema.status).toBe(422);
    expect(schema.body.errors).toEqual([{ path: 'data.order', message: 'is required' }]);

    await api.request('PUT', '/v1/templates/loose', {
      defaultLocale: 'en',
      locales: { en: { sms: { text: 'Hi {{ user.first }}' } } },
    });
    const missing = await api.post('/v1/templates/loose/render', { data: { user: {} } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({
        path: 'data.user.first',
        message: expect.stringContaining('sms.text'),
      }),
    ]);

    await api.request('PUT', '/v1/templates/runaway', {
      defaultLocale: 'en',
      locales: {
        en: { sms: { text: '{% for i in (1..50000000) %}{{ i }}{% endfor %}' } },
      },
    });
    const limit = await api.post('/v1/templates/runaway/render', { data: {} });
    expect(limit.status).toBe(422);
    expect(limit.body.errors).toEqual([
      expect.objectContaining({
        path: 'locales.en.sms.text',
        message: expect.stringContaining('render limit reached'),
      }),
    ]);
  });

  it('renders a pinned version after a newer publish; an unknown version is a 404', async () => {
    expect((await api.post('/v1/templates/order/publish', {})).status).toBe(201);
    const changed = structuredClone(order);
    changed.locales.en.sms.text = 'v2: {{ order.id }}';
    await api.request('PUT', '/v1/templates/order', changed);
    expect((await api.post('/v1/templates/order/publish', {})).status).toBe(201);
    const pinned = await api.post('/v1/templates/order/render', { data, version: 1 });
    expect(pinned.body).toMatchObject({
      version: 1,
      content: { sms: { text: 'Order A-1 shipped, Zoé <script>' } },
    });
    const v2 = await api.post('/v1/templates/order/render', { data, version: 2 });
    expect(v2.body).toMatchObject({ version: 2, content: { sms: { text: 'v2: A-1' } } });
    expect((await api.post('/v1/templates/order/render', { data, version: 9 })).status).toBe(404);
  });
});
