import { describe, expect, it } from 'vitest';
import {
  type HttpSend,
  SignedDurableEngine,
} from '../../../../functions/adapters/lambda/signed-engine';

const ALIAS = 'arn:aws:lambda:eu-west-1:123456789012:function:herald-dev-workflow:live';
const credentials = () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 't' });

/** A fake Lambda endpoint answering each call in turn; it records what it was sent. */
function endpoint(answers: { status: number; type?: string }[]) {
  const calls: Parameters<HttpSend>[0][] = [];
  const send: HttpSend = async (request) => {
    calls.push(request);
    const answer = answers.shift() ?? { status: 202 };
    return {
      status: answer.status,
      headers: answer.type ? { 'x-amzn-errortype': `${answer.type}:http://internal/` } : {},
      body: answer.type ? JSON.stringify({ message: answer.type }) : '',
    };
  };
  const engine = new SignedDurableEngine(send, {
    endpoint: 'https://lambda.eu-west-1.amazonaws.com',
    region: 'eu-west-1',
    functionName: ALIAS,
    credentials,
  });
  return { engine, calls };
}

describe('SignedDurableEngine', () => {
  it('starts a run as an asynchronous, durable Invoke named by the run id, signed', async () => {
    const { engine, calls } = endpoint([{ status: 202 }]);
    await engine.start('run-1', { runId: 'run-1' });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url.href).toBe(
      `https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/${encodeURIComponent(ALIAS)}/invocations`,
    );
    expect(call?.headers).toMatchObject({
      'x-amz-invocation-type': 'Event',
      'x-amz-durable-execution-name': 'run-1',
      'x-amz-security-token': 't',
      host: 'lambda.eu-west-1.amazonaws.com',
    });
    expect(call?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=.*x-amz-durable-execution-name.*, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.parse(call?.body ?? '')).toEqual({ runId: 'run-1' });
  });

  it('takes an execution that exists already as started, and retries throttling and server errors', async () => {
    const existing = endpoint([{ status: 409, type: 'DurableExecutionAlreadyStartedException' }]);
    await existing.engine.start('run-1', { runId: 'run-1' });
    expect(existing.calls).toHaveLength(1);
    const flaky = endpoint([{ status: 429, type: 'TooManyRequestsException' }, { status: 503 }]);
    await flaky.engine.start('run-2', { runId: 'run-2' });
    expect(flaky.calls).toHaveLength(3);
  });

  it('fails with the exception type when Lambda refuses, or when retries run out', async () => {
    const refused = endpoint([{ status: 403, type: 'AccessDeniedException' }]);
    await expect(refused.engine.start('run-1', { runId: 'run-1' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
    });
    expect(refused.calls).toHaveLength(1);
    const down = endpoint([{ status: 500 }, { status: 500 }, { status: 500 }, { status: 202 }]);
    await expect(down.engine.start('run-1', { runId: 'run-1' })).rejects.toMatchObject({
      name: 'Http500',
    });
    expect(down.calls).toHaveLength(3);
  });

  it('completes a callback with its result, and ignores one already completed or gone', async () => {
    const { engine, calls } = endpoint([
      { status: 200 },
      { status: 409, type: 'ConflictException' },
      { status: 404, type: 'ResourceNotFoundException' },
    ]);
    await engine.completeCallback('cb/1', { status: 'delivered' });
    expect(calls[0]?.url.pathname).toBe('/2025-12-01/durable-execution-callbacks/cb%2F1/succeed');
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ status: 'delivered' });
    await engine.completeCallback('cb/1', 'done');
    await engine.completeCallback('cb/2', 'done');
    expect(calls.map((c) => c.body)).toEqual(['{"status":"delivered"}', 'done', 'done']);
  });
});
