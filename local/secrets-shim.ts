import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readText } from './emulators/net';

export interface SecretsShimOptions {
  /** Secret id (name) -> SecretString. */
  secrets: Record<string, string>;
  host?: string;
  port?: number;
  region?: string;
}

/** A running Secrets Manager shim: the URL goes in AWS_ENDPOINT_URL_SECRETS_MANAGER. */
export interface SecretsShim {
  url: string;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';

/**
 * Just enough of Secrets Manager for Powertools `getSecret`: the JSON 1.1 `GetSecretValue`
 * action, looked up by name or by the ARN this shim hands out.
 */
export async function startSecretsShim(options: SecretsShimOptions): Promise<SecretsShim> {
  const region = options.region ?? 'us-east-1';
  const host = options.host ?? '127.0.0.1';
  // One version per secret for the lifetime of the shim, like a secret nobody rotates.
  const entries = new Map(
    Object.entries(options.secrets).map(([name, value]) => [
      name,
      {
        ARN: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`,
        Name: name,
        SecretString: value,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      },
    ]),
  );

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      reply(res, 500, { __type: 'InternalServiceError', message: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const body = await readText(req);
    if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
      reply(res, 400, {
        __type: 'InvalidRequestException',
        message: `The local Secrets Manager shim only answers GetSecretValue (got ${String(target)})`,
      });
      return;
    }
    let secretId: unknown;
    try {
      secretId = (JSON.parse(body) as { SecretId?: unknown }).SecretId;
    } catch {
      secretId = undefined;
    }
    const entry =
      typeof secretId === 'string'
        ? (entries.get(secretId) ?? [...entries.values()].find((e) => e.ARN === secretId))
        : undefined;
    if (!entry) {
      reply(res, 400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    reply(res, 200, entry);
  }

  const address = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${host}:${address.port}`,
    close: () => closeServer(server),
  };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(body);
}
