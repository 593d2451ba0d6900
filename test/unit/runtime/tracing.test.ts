import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TRACE_ID = '1-6760a2b1-0123456789abcdef01234567';

/** What the X-Ray SDK streams to the daemon: one JSON (sub)segment per UDP datagram. */
interface SentSegment {
  name: string;
  id: string;
  trace_id: string;
  parent_id?: string;
  annotations?: Record<string, string>;
}

let daemon: Socket;
const received: SentSegment[] = [];
let tracing: typeof import('../../../functions/runtime/tracing');

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (packet) => {
    // `{"format":"json","version":1}\n{...segment...}`
    const body = packet.toString('utf8').split('\n')[1];
    if (body) received.push(JSON.parse(body) as SentSegment);
  });
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  // The environment Lambda gives a function with active tracing.
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: '/var/task',
    _HANDLER: 'index.handler',
    POWERTOOLS_TRACE_ENABLED: 'true',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    _X_AMZN_TRACE_ID: `Root=${TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1`,
  });
  tracing = await import('../../../functions/runtime/tracing');
});

afterAll(() => {
  daemon.close();
  for (const name of [
    'AWS_EXECUTION_ENV',
    'LAMBDA_TASK_ROOT',
    '_HANDLER',
    'POWERTOOLS_TRACE_ENABLED',
    'AWS_XRAY_DAEMON_ADDRESS',
    'AWS_XRAY_CONTEXT_MISSING',
    '_X_AMZN_TRACE_ID',
  ])
    delete process.env[name];
});

describe('tracing in a channel function', () => {
  it('gives each concurrent record its own subsegment, annotated with its notification', async () => {
    const { inSubsegment, traceHandler } = tracing;
    const handler = middy(async (ids: string[]) =>
      Promise.all(
        ids.map((notificationId, i) =>
          inSubsegment('### deliver', { notificationId, channel: 'sms' }, async () => {
            // Interleave the records, as a batch's concurrent sends do.
            await new Promise((resolve) => setTimeout(resolve, 20 - i * 10));
            return notificationId;
          }),
        ),
      ),
    ).use(traceHandler());

    expect(await handler(['n-1', 'n-2'], {} as never)).toEqual(['n-1', 'n-2']);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const handlerSegment = received.find((s) => s.name === '## index.handler');
    const deliveries = received.filter((s) => s.name === '### deliver');
    expect(handlerSegment?.trace_id).toBe(TRACE_ID);
    expect(deliveries.map((s) => s.annotations?.notificationId).sort()).toEqual(['n-1', 'n-2']);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({ trace_id: TRACE_ID, parent_id: handlerSegment?.id });
    }
  });
});

describe('tracing in the api function', () => {
  it("records the signed Lambda calls that start a workflow run as the handler's subsegments", async () => {
    const { traceHandler } = tracing;
    const { createSignedDurableEngine } = await import('../../../functions/runtime/durable-engine');
    const lambda = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(202).end());
    });
    await new Promise<void>((ready) => lambda.listen(0, '127.0.0.1', ready));
    try {
      const engine = createSignedDurableEngine('arn:aws:lambda:us-east-1:1:function:wf:live', {
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`,
        AWS_ACCESS_KEY_ID: 'a',
        AWS_SECRET_ACCESS_KEY: 'b',
      });
      const handler = middy(async () => {
        await engine.start('run-1', { runId: 'run-1' });
        await engine.completeCallback('cb-1', { ok: true });
      }).use(traceHandler());
      received.length = 0;
      await handler(undefined, {} as never);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const handlerSegment = received.find((s) => s.name === '## index.handler');
      const calls = received.filter((s) => s.name === 'Lambda');
      expect(calls.map((s) => s.annotations?.operation)).toEqual([
        'Invoke',
        'SendDurableExecutionCallbackSuccess',
      ]);
      for (const call of calls)
        expect(call).toMatchObject({ trace_id: TRACE_ID, parent_id: handlerSegment?.id });
    } finally {
      await new Promise((closed) => lambda.close(closed));
    }
  });
});

describe('every Lambda entry point', () => {
  it('runs its middy chain through the tracer middleware', () => {
    const dir = 'functions/handlers';
    // The console only serves its static files: no AWS or HTTPS call to trace, and Lambda's active
    // tracing records its invocations without a Tracer. The workflow function's entry point must be
    // the durable SDK's own handler (withDurableExecution reads the checkpoint state from the
    // event); its AWS clients are wrapped with traced() instead (checked below).
    const untraced = new Set(['console.ts', 'workflow.ts']);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !untraced.has(f))) {
      const source = readFileSync(`${dir}/${file}`, 'utf8');
      // Only entry points (a module beside them that exports no handler is part of one).
      if (!/export const handler\b/.test(source)) continue;
      // Channel handlers get it from createChannelHandler, API functions from routeHandler, the
      // page workers (fan-out, workflow trigger) from sqsPageHandler.
      expect(
        source.includes('traceHandler()') ||
          source.includes('createChannelHandler(') ||
          source.includes('routeHandler(') ||
          source.includes('sqsPageHandler('),
        `${file} does not use traceHandler()`,
      ).toBe(true);
    }
  });

  it('traces the API functions built with routeHandler and the page workers', () => {
    expect(readFileSync('functions/handlers/api/router.ts', 'utf8')).toContain(
      '.use(traceHandler())',
    );
    expect(readFileSync('functions/runtime/sqs-page-handler.ts', 'utf8')).toContain(
      '.use(traceHandler())',
    );
  });

  it('traces the workflow function through its AWS clients', () => {
    const source = readFileSync('functions/handlers/workflow.ts', 'utf8');
    expect(source).toContain('withDurableExecution(');
    expect(source).toMatch(/traced\(new LambdaClient\(/);
  });
});
