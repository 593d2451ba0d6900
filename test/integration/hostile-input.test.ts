import { request as httpRequest } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apiClient, waitFor } from '../support/client';

// Through the real API on the local stack: hostile input is a 400 naming the field (never a 5xx,
// never a 202 for what SQS or a provider can never take); the authorizer's policy covers the
// whole stage even with API Gateway's result cache on; a delivery waiting for a retry can be
// cancelled; a Twilio callback is verified over every value of its form.

let stack: LocalStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  // The gateway cache on, as a stage with authorizerCacheSeconds > 0: one authorizer answer
  // (for whichever request came first) then decides every later request with the same key.
  stack = await startLocalStack({ port: 0, log: () => undefined, authorizerCacheSeconds: 300 });
  api = apiClient(stack);
});
afterAll(() => stack?.stop());

const sms = { to: ['+14155550100'], text: 'hi' };
const nested = (levels: number) => {
  let json = '{"type":"section"}';
  for (let i = 0; i < levels; i++) json = `{"e":${json}}`;
  return json;
};

describe('hostile input through the API', () => {
  it.each([
    [
      'metadata key constructor',
      `{"channels":{"sms":${JSON.stringify(sms)}},"metadata":{"constructor":"x"}}`,
      'metadata.constructor',
    ],
    [
      'metadata key __proto__',
      `{"channels":{"sms":${JSON.stringify(sms)}},"metadata":{"__proto__":"x"}}`,
      'metadata.__proto__',
    ],
    [
      'metadata key toString',
      `{"channels":{"sms":${JSON.stringify(sms)}},"metadata":{"toString":"x"}}`,
      'metadata.toString',
    ],
    [
      'push data key constructor',
      '{"channels":{"push":{"tokens":["t1"],"title":"a","body":"b","data":{"constructor":"x"}}}}',
      'channels.push.data.constructor',
    ],
    [
      'Slack block key constructor',
      '{"channels":{"slack":{"channel":"#x","text":"a","blocks":[{"type":"section","constructor":"x"}]}}}',
      'channels.slack.blocks[0].constructor',
    ],
    [
      'U+FFFF in a push token',
      '{"channels":{"push":{"tokens":["t\\uffff"],"title":"a","body":"b"}}}',
      'channels.push.tokens[0]',
    ],
    [
      'U+FFFE in a Slack channel',
      '{"channels":{"slack":{"channel":"#x\\ufffe","text":"a"}}}',
      'channels.slack.channel',
    ],
    [
      'U+FFFF in an MQTT topic',
      '{"channels":{"mqtt":{"topic":"herald/\\uffff","payload":"x"}}}',
      'channels.mqtt.topic',
    ],
    [
      'a lone surrogate in an MQTT topic',
      '{"channels":{"mqtt":{"topic":"herald/\\ud800","payload":"x"}}}',
      'channels.mqtt.topic',
    ],
    [
      'a lone surrogate in a dispatch SMS text',
      '{"type":"SMS","message":"x","smsChannel":{"recipients":["+14155550100"],"text":"\\udfff"}}',
      'smsChannel.text',
    ],
  ])('%s: 400 at its path, nothing queued', async (_label, body, path) => {
    const route = body.includes('"type":"SMS"') ? '/notification/dispatch' : '/v1/notifications';
    const answer = await api.post(route, body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path, message: expect.any(String) }]);
  });

  it('5,000-level Slack blocks: 400 naming the field, not a stack overflow', async () => {
    const body = `{"channels":{"slack":{"channel":"#x","text":"a","blocks":[${nested(5_000)}]}}}`;
    const answer = await api.post('/v1/notifications', body);
    expect(answer.status).toBe(400);
    const [error] = answer.body.errors as { path: string }[];
    expect(error?.path).toMatch(/^channels\.slack\.blocks\[0\]/);
  });

  it('none of the requests above reached a queue or a provider', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.outbox.list()).toEqual([]);
    const dlq = await stack.dlq();
    expect(Object.values(dlq).flat()).toEqual([]);
  });
});

describe('inputs longer than anything Herald stores never reach DynamoDB', () => {
  // DynamoDB refuses a sort key over 1,024 bytes (a ValidationException, which was a 500).
  const long = 'a'.repeat(3_000);
  const wide = '\u4e00'.repeat(400); // 400 characters, 1,200 UTF-8 bytes

  it.each([
    ['GET', '/v1/notifications/', long],
    ['DELETE', '/v1/notifications/', long],
    ['GET', '/v1/webhooks/', long],
    ['DELETE', '/v1/suppressions/push/', long],
    ['DELETE', '/v1/suppressions/push/', encodeURIComponent(wide)],
  ])('%s %s<%# long>: 404', async (method, route, parameter) => {
    const answer = await api.request(method, `${route}${parameter}`);
    expect(answer.status).toBe(404);
  });

  it.each([
    ['a long suppressions cursor', Buffer.from(`s1:push#${long}`).toString('base64url')],
    ['a cursor over 1 KiB of UTF-8', Buffer.from(`s1:push#${wide}`).toString('base64url')],
  ])('%s: 400 naming cursor', async (_label, cursor) => {
    const answer = await api.get(`/v1/suppressions?cursor=${cursor}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });

  it('a push token over 1 KiB of UTF-8 is refused at the suppression list with a 400', async () => {
    const answer = await api.post('/v1/suppressions', { channel: 'push', recipient: wide });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'recipient', message: expect.any(String) }]);
  });
});

describe('the authorizer policy covers the whole stage', () => {
  it('an unknown path is a 404 from the api, not a 403 from the policy', async () => {
    expect((await api.get('/nope')).status).toBe(404);
    expect((await api.request('POST', '/v1/nope', {})).status).toBe(404);
  });

  it('with the cache on, one key authorizes GET, POST and DELETE on the stage', async () => {
    const missing = await api.get('/v1/notifications/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    const accepted = await api.post('/v1/notifications', {
      channels: { sms: { to: ['+14155550111'], text: 'hi' } },
      sendAt: new Date(Date.now() + 600_000).toISOString(),
    });
    expect(accepted.status).toBe(202);
    const cancelled = await api.delete(`/v1/notifications/${String(accepted.body.id)}`);
    expect(cancelled.status).toBe(200);
  });
});

/** GET /v1/me with the headers in exactly this order (fetch would sort them by name). */
function meWithOrderedHeaders(
  headers: Record<string, string>,
): Promise<{ status: number; tenantId?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${stack.url}/v1/me`, { method: 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        const body = JSON.parse(text || '{}') as { tenantId?: string };
        resolve({ status: res.statusCode ?? 0, ...(body.tenantId && { tenantId: body.tenantId }) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the authorizer reads the key from the header the gateway caches by', () => {
  it('x-api-key sent before Authorization neither decides the caller nor poisons the cache', async () => {
    const keys = new ApiKeyStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      String(stack.env.TABLE_NAME),
    );
    const a = await keys.create('cache-tenant-a');
    const b = await keys.create('cache-tenant-b');

    // The gateway's cache key is Authorization (B's key): the answer must be B's.
    const mixed = await meWithOrderedHeaders({
      'X-Api-Key': a.key,
      Authorization: `Bearer ${b.key}`,
    });
    expect(mixed).toEqual({ status: 200, tenantId: 'cache-tenant-b' });
    // B alone, answered from the cache entry the mixed request left: still B, never A.
    const plain = await apiClient(stack, b.key).get('/v1/me');
    expect(plain.body.tenantId).toBe('cache-tenant-b');
  });
});

describe('cancel reaches a delivery waiting for a retry', () => {
  it('DELETE cancels a sending delivery between attempts; it is never sent', async () => {
    const accepted = await api.post('/v1/notifications', {
      channels: { slack: { channel: '#fail-always-cancel', text: 'retrying' } },
    });
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);
    // After the first transient failure the delivery waits `sending` for its retry.
    await waitFor(async () => {
      const { body } = await api.get(`/v1/notifications/${id}`);
      const [d] = body.deliveries as { status: string; lastError?: string }[];
      return d?.status === 'sending' && d.lastError ? d : undefined;
    });
    const answer = await waitFor(async () => {
      const result = await api.delete(`/v1/notifications/${id}`);
      // A 409 means the retry holds the lease right now: try again once it let go.
      return result.status === 200 ? result : undefined;
    });
    expect(answer.body).toMatchObject({ cancelled: 1, deliveries: [{ status: 'cancelled' }] });
    const attemptsOf = async () => {
      const { body } = await api.get(`/v1/notifications/${id}`);
      return {
        status: body.status,
        attempts: (body.deliveries as { attempts: number }[])[0]?.attempts,
      };
    };
    const atCancel = await attemptsOf();
    // Long enough for two more retries (1 s, 2 s locally) had the cancel not stopped them.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const body = await attemptsOf();
    expect(body.attempts).toBe(atCancel.attempts);
    expect(body).toMatchObject({ status: 'cancelled' });
  });
});

describe('Twilio status callbacks are verified over every value Twilio signed', () => {
  it('a callback whose form repeats a key verifies (204); changing one of the values is a 403', async () => {
    const secret = await new SecretsManagerClient({}).send(
      new GetSecretValueCommand({ SecretId: String(stack.env.TWILIO_SECRET_ID) }),
    );
    const { authToken } = JSON.parse(secret.SecretString ?? '{}') as { authToken: string };
    const url = `${stack.env.TWILIO_STATUS_CALLBACK_URL}?n=00000000-0000-4000-8000-000000000001&d=sms%230&t=local`;
    const form = new URLSearchParams([
      ['MessageSid', 'SMrepeated'],
      ['MessageStatus', 'sent'],
      ['AddOns', 'b'],
      ['AddOns', 'a'],
    ]);
    // Twilio's own algorithm (the twilio package): every value of a repeated key is signed.
    const signature = getExpectedTwilioSignature(authToken, url, {
      MessageSid: 'SMrepeated',
      MessageStatus: 'sent',
      AddOns: ['b', 'a'],
    });
    const post = (body: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
        },
        body,
      });

    expect((await post(form.toString())).status).toBe(204);
    form.set('AddOns', 'a');
    expect((await post(`${form.toString()}&AddOns=c`)).status).toBe(403);
  });
});
