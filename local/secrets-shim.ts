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
const ACTIONS = ['GetSecretValue', 'CreateSecret', 'PutSecretValue', 'DeleteSecret'];

/**
 * Just enough of Secrets Manager for Powertools `getSecret`: the JSON 1.1 `GetSecretValue`
 * action, looked up by name or by the ARN this shim hands out.
 */
export async function startSecretsShim(options: SecretsShimOptions): Promise<SecretsShim> {
  const region = options.region ?? 'us-east-1';
  const host = options.host ?? '127.0.0.1';
  // One version per secret for the lifetime of the shim, like a secret nobody rotates.
  const newEntry = (name: string, value: string) => ({
    ARN: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`,
    Name: name,
    SecretString: value,
    VersionId: randomUUID(),
    VersionStages: ['AWSCURRENT'],
    CreatedDate: Math.floor(Date.now() / 1000),
  });
  const entries = new Map(
    Object.entries(options.secrets).map(([name, value]) => [name, newEntry(name, value)]),
  );

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      reply(res, 500, { __type: 'InternalServiceError', message: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];
    const body = await readText(req);
    const action = typeof target === 'string' ? target.replace('secretsmanager.', '') : '';
    if (req.method !== 'POST' || !ACTIONS.includes(action)) {
      reply(res, 400, {
        __type: 'InvalidRequestException',
        message: `The local Secrets Manager shim only answers ${ACTIONS.join(', ')} (got ${String(target)})`,
      });
      return;
    }
    let input: { SecretId?: unknown; Name?: unknown; SecretString?: unknown } = {};
    try {
      input = JSON.parse(body) as typeof input;
    } catch {}
    // Tenant provider secrets (PUT /v1/providers): created, replaced and deleted by the api.
    if (action === 'CreateSecret') {
      if (typeof input.Name !== 'string' || entries.has(input.Name)) {
        reply(res, 400, {
          __type: 'ResourceExistsException',
          message: 'The secret already exists.',
        });
        return;
      }
      const entry = newEntry(input.Name, String(input.SecretString ?? ''));
      entries.set(input.Name, entry);
      reply(res, 200, { ARN: entry.ARN, Name: entry.Name, VersionId: entry.VersionId });
      return;
    }
    const secretId = input.SecretId;
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
    if (action === 'PutSecretValue') {
      entry.SecretString = String(input.SecretString ?? '');
      entry.VersionId = randomUUID();
      reply(res, 200, { ARN: entry.ARN, Name: entry.Name, VersionId: entry.VersionId });
      return;
    }
    if (action === 'DeleteSecret') {
      entries.delete(entry.Name);
      reply(res, 200, { ARN: entry.ARN, Name: entry.Name, DeletionDate: Date.now() / 1000 });
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
