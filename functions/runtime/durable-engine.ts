import type { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type HttpSend, SignedDurableEngine } from '../adapters/lambda/signed-engine';
import type { WorkflowEngine } from '../core/workflows/ports';
import { inSubsegment } from './tracing';

/*
 * The durable engine of the api and manage functions (adapters/lambda/signed-engine.ts): signed
 * calls to Lambda's endpoint (AWS_ENDPOINT_URL_LAMBDA locally, as the SDK reads it) with the
 * function role's credentials from the environment, which is where Lambda puts them and where
 * the SDK's own chain stops (lib/constructs/bundling.ts). Sent with the SDK's Node handler; each
 * exchange is a `Lambda` subsegment annotated with its operation, as a traced SDK client's call
 * would be one (the X-Ray SDK does not see these requests otherwise).
 */

const handler = new NodeHttpHandler({ requestTimeout: 5_000, throwOnRequestTimeout: true });

const send: HttpSend = ({ operation, ...request }) =>
  inSubsegment('Lambda', { operation }, () => exchange(request));

async function exchange({
  url,
  method,
  headers,
  body,
}: Omit<Parameters<HttpSend>[0], 'operation'>) {
  const { response } = await handler.handle({
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port && { port: Number(url.port) }),
    method,
    path: url.pathname,
    query: {},
    headers,
    body,
  } as Parameters<NodeHttpHandler['handle']>[0]);
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as Readable) chunks.push(Buffer.from(chunk));
  return {
    status: response.statusCode,
    headers: Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

/** Lambda's endpoint in the region (or the one the environment names, as the SDK would). */
export function lambdaEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AWS_ENDPOINT_URL_LAMBDA ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  const region = env.AWS_REGION ?? '';
  return `https://lambda.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The engine starting runs on `functionName` (the workflow function's `live` alias). */
export function createSignedDurableEngine(
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
): WorkflowEngine {
  return new SignedDurableEngine(send, {
    endpoint: lambdaEndpoint(env),
    region: env.AWS_REGION ?? '',
    functionName,
    credentials: () => {
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
      if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
        throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
      return {
        accessKeyId: AWS_ACCESS_KEY_ID,
        secretAccessKey: AWS_SECRET_ACCESS_KEY,
        ...(AWS_SESSION_TOKEN && { sessionToken: AWS_SESSION_TOKEN }),
      };
    },
  });
}
