import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient } from '../support/client';

// Templates on the local stack: drafts, immutable versions (MJML compiled at publish by the
// templates function), archive, scopes, tenants apart.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;
let other: ReturnType<typeof apiClient>;

const welcome = {
  defaultLocale: 'en',
  description: 'Sent after sign-up',
  locales: {
    en: {
      email: {
        subject: 'Welcome, {{ name }}',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ name }}</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
      sms: { text: 'Welcome {{ name }}' },
    },
    'fr-ca': { sms: { text: 'Bienvenue {{ name }}' } },
  },
  dataSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, log: () => undefined, pollers: false });
  api = apiClient(stack);
  const keys = new ApiKeyStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({})),
    stack.env.TABLE_NAME ?? '',
  );
  reader = apiClient(stack, (await keys.create('local', { scopes: ['read'] })).key);
  other = apiClient(stack, (await keys.create('templates-other')).key);
});
afterAll(() => stack?.stop());

describe('template drafts and versions', () => {
  it('saves a draft, publishes immutable versions with MJML compiled, lists and archives', async () => {
    const saved = await api.request('PUT', '/v1/templates/welcome', welcome);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      key: 'welcome',
      defaultLocale: 'en',
      locales: ['en', 'fr-CA'],
      channels: ['email', 'sms'],
      latestVersion: 0,
    });

    const first = await api.post('/v1/templates/welcome/publish', { note: 'first' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      version: 1,
      note: 'first',
      publishedBy: expect.any(String),
    });
    const email = (first.body.locales as Record<string, { email: Record<string, string> }>).en
      ?.email;
    expect(email?.mjml).toBeUndefined();
    expect(email?.html).toContain('<!doctype html>');
    expect(email?.html).toContain('Hello {{ name }}');

    // A new draft does not touch version 1.
    const edited = structuredClone(welcome);
    edited.locales.en.sms.text = 'Hi {{ name }}!';
    expect((await api.request('PUT', '/v1/templates/welcome', edited)).status).toBe(200);
    expect((await api.request('POST', '/v1/templates/welcome/publish')).status).toBe(201);
    const v1 = await api.get('/v1/templates/welcome/versions/1');
    expect(v1.body).toMatchObject({
      version: 1,
      locales: { en: { sms: { text: 'Welcome {{ name }}' } } },
    });
    const versions = await api.get('/v1/templates/welcome/versions');
    expect((versions.body.items as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    const described = await reader.get('/v1/templates/welcome');
    expect(described.body).toMatchObject({ latestVersion: 2, draft: { defaultLocale: 'en' } });
    expect((await api.get('/v1/templates')).body.items).toEqual([
      expect.objectContaining({ key: 'welcome', latestVersion: 2 }),
    ]);

    expect((await api.delete('/v1/templates/welcome')).status).toBe(204);
    expect((await api.get('/v1/templates/welcome')).body.archivedAt).toEqual(expect.any(String));
    // Versions stay readable; publishing an archived template is refused until it is saved again.
    expect((await api.get('/v1/templates/welcome/versions/2')).status).toBe(200);
    expect((await api.post('/v1/templates/welcome/publish', {})).status).toBe(409);
    expect(
      (await api.request('PUT', '/v1/templates/welcome', edited)).body.archivedAt,
    ).toBeUndefined();
  });

  it('refuses bad drafts with the field path: syntax, unknown filter, MJML, locales, schema', async () => {
    const broken = await api.request('PUT', '/v1/templates/broken', {
      defaultLocale: 'en',
      locales: {
        en: { sms: { text: 'Hi {{ name | shout }}' }, push: { title: '{% if %}', body: 'x' } },
      },
    });
    expect(broken.status).toBe(422);
    expect(broken.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'locales.en.sms.text',
          message: expect.stringContaining('undefined filter: shout'),
        }),
        expect.objectContaining({ path: 'locales.en.push.title' }),
      ]),
    );
    const invalid = await api.request('PUT', '/v1/templates/Bad Key!', welcome);
    expect(invalid.status).toBe(400);
    const shape = await api.request('PUT', '/v1/templates/shape', {
      defaultLocale: 'de',
      locales: { en_US: { sms: { text: 'x' } }, en: { sms: {} } },
      dataSchema: { type: 'object', pattern: '(a+)+$' },
    });
    expect(shape.status).toBe(400);
    const paths = (shape.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['locales.en.sms.text']));
    expect(JSON.stringify(shape.body.errors)).toContain('BCP 47');

    const mjml = await api.request('PUT', '/v1/templates/mjml', {
      defaultLocale: 'en',
      locales: {
        en: { email: { subject: 's', mjml: '<mjml><mj-body><mj-bogus/></mj-body></mjml>' } },
      },
    });
    expect(mjml.status).toBe(200);
    const refused = await api.post('/v1/templates/mjml/publish', {});
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        path: 'locales.en.email.mjml',
        message: expect.stringContaining('mj-bogus'),
      }),
    ]);
  });

  it('needs admin to edit, read to read; another tenant sees nothing', async () => {
    expect((await reader.request('PUT', '/v1/templates/r', welcome)).status).toBe(403);
    expect((await reader.post('/v1/templates/welcome/publish', {})).status).toBe(403);
    expect((await reader.get('/v1/templates/welcome/versions')).status).toBe(200);
    expect((await other.get('/v1/templates/welcome')).status).toBe(404);
    expect((await other.get('/v1/templates/welcome/versions/1')).status).toBe(404);
    expect((await other.get('/v1/templates')).body.items).toEqual([]);
  });
});
