import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, findFunction, grantsOf, methodsByRoute } from './fixture';

// Recipients in the template: their routes behind the authorizer, their index, and grants that
// reach recipient items only for the functions that need them.

let template: Template;
beforeAll(() => {
  template = buildStack().template;
});

describe('recipients', () => {
  it('gives only the manage function (it serves the link) and the email sender the unsubscribe signing key, by ARN', () => {
    const secret = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) =>
      id.startsWith('UnsubscribeLinksSigningKey'),
    );
    expect(secret).toBeDefined();
    const readers = ['manage', 'send-email'];
    const names = ['api', 'manage', 'authorizer', 'send-email', 'send-sms', 'feedback', 'events'];
    for (const name of names) {
      const reads = grantsOf(template, name).some(
        (g) => g.action === 'secretsmanager:GetSecretValue' && g.resource.includes(String(secret)),
      );
      expect(reads, name).toBe(readers.includes(name));
    }
    const env = findFunction(template, 'send-email').props.Environment.Variables;
    expect(JSON.stringify(env.UNSUBSCRIBE_SECRET_ID)).toContain(String(secret));
    expect(env.UNSUBSCRIBE_BASE_URL).toBeDefined();
  });

  it('serves the recipient and category routes through the authorizer', () => {
    const routes = [...methodsByRoute(template)].filter(
      ([route]) => route.includes(' /v1/recipients') || route.includes(' /v1/categories'),
    );
    expect(routes.map(([route]) => route).sort()).toEqual(
      [
        'GET /v1/recipients',
        'POST /v1/recipients/batch',
        'GET /v1/recipients/{id}',
        'PUT /v1/recipients/{id}',
        'PATCH /v1/recipients/{id}',
        'DELETE /v1/recipients/{id}',
        'GET /v1/recipients/{id}/preferences',
        'PUT /v1/recipients/{id}/preferences',
        'GET /v1/categories',
        'GET /v1/categories/{key}',
        'PUT /v1/categories/{key}',
        'DELETE /v1/categories/{key}',
      ].sort(),
    );
    for (const [, method] of routes) expect(method.AuthorizationType).toBe('CUSTOM');
    // The unsubscribe link: no key, its signed token is the credential.
    const open = [...methodsByRoute(template)].filter(([route]) =>
      route.endsWith(' /v1/unsubscribe'),
    );
    expect(open.map(([route]) => route).sort()).toEqual([
      'GET /v1/unsubscribe',
      'POST /v1/unsubscribe',
    ]);
    for (const [, method] of open) expect(method.AuthorizationType).toBe('NONE');
  });

  it('adds a keys-only recipients index to the table', () => {
    const table = Object.entries(template.findResources('AWS::DynamoDB::Table')).find(([id]) =>
      id.startsWith('Data'),
    )?.[1];
    const indexes = (table?.Properties.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      Projection: unknown;
    }[];
    const index = indexes.find((i) => i.IndexName === 'recipients');
    expect(index).toMatchObject({
      KeySchema: [
        { AttributeName: 'xpk', KeyType: 'HASH' },
        { AttributeName: 'xsk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('grants the manage function recipient items by partition key, and the index only to query', () => {
    // The api's send path (inline profiles upserted, profiles read): test/infra/management.test.ts.
    const grants = grantsOf(template, 'manage');
    const within = (prefix: string) =>
      grants
        .filter((g) => g.condition?.includes(`"${prefix}"`))
        .map((g) => g.action)
        .sort();
    expect(within('RCP#*')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(within('RADDR#*')).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    const index = grants.filter((g) => g.resource.includes('/index/recipients'));
    expect(index.map((g) => [g.action, g.condition])).toEqual([
      ['dynamodb:Query', expect.stringContaining('RIDX#*')],
    ]);
    expect(within('CAT#*')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });
});
