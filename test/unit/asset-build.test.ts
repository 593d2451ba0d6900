import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunction, ENTRY_FILE, loadedAtStart } from '../../lib/constructs/build-function';
import { ESBUILD_OPTIONS } from '../../lib/constructs/bundling';
import { HeraldFunction } from '../../lib/constructs/herald-function';
import { literalSchemaKeys } from '../../lib/constructs/schema-keys-plugin';

// What `cdk deploy` uploads for each function: lib/constructs/build-function.ts (index.mjs, and
// chunks loaded by `await import()` on the first call that needs them), with the SDK's schema
// modules made tree-shakable (schema-keys-plugin.ts).

mkdirSync('node_modules/.cache', { recursive: true });
const dir = mkdtempSync(join(process.cwd(), 'node_modules/.cache/asset-build-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The files of `outdir` whose text contains `needle`. */
const filesWith = (outdir: string, needle: string) =>
  readdirSync(outdir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .filter((file) => readFileSync(join(outdir, file), 'utf8').includes(needle));

describe('literalSchemaKeys', () => {
  it('writes computed keys naming a string constant of the file as that literal, and nothing else', () => {
    const source = [
      'const _h = "http";',
      'const _e = "error";',
      'const _q = "a \\"quoted\\" key";',
      'export var A$ = [9, n0, _A, { [_h]: ["PUT", "/a", 200] }, () => B$];',
      'export var E$ = [-3, n0, _E, { [_e]: _c, [_q]: 1, [other]: 2 }, [_m], [0]];',
    ].join('\n');
    expect(literalSchemaKeys(source)).toBe(
      [
        'const _h = "http";',
        'const _e = "error";',
        'const _q = "a \\"quoted\\" key";',
        'export var A$ = [9, n0, _A, { "http": ["PUT", "/a", 200] }, () => B$];',
        // `_c` is a value, not a key; `[other]` names no constant of the file.
        'export var E$ = [-3, n0, _E, { "error": _c, "a \\"quoted\\" key": 1, [other]: 2 }, [_m], [0]];',
      ].join('\n'),
    );
  });
});

describe('the SES v2 client bundled with the plugin', () => {
  interface Seen {
    method?: string;
    url?: string;
    body: string;
  }
  let server: ReturnType<typeof createServer>;
  let url: string;
  let seen: Seen[];
  let answer: { status: number; headers: Record<string, string>; body: string };

  beforeAll(async () => {
    seen = [];
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, body });
        response.writeHead(answer.status, answer.headers).end(answer.body);
      });
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  /** A bundle exporting a send through SendEmailCommand, built with or without the plugin. */
  async function sesBundle(withPlugin: boolean): Promise<string> {
    const entry = join(dir, 'ses-entry.mjs');
    const outfile = join(dir, `ses-${withPlugin ? 'plugin' : 'plain'}.mjs`);
    writeFileSync(
      entry,
      `import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
export async function send(endpoint, input) {
  const client = new SESv2Client({ endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  try { return { ok: await client.send(new SendEmailCommand(input)) }; }
  catch (error) { return { error: { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode } }; }
}`,
    );
    await build({
      ...ESBUILD_OPTIONS,
      ...(withPlugin ? {} : { plugins: [] }),
      absWorkingDir: process.cwd(),
      entryPoints: [entry],
      outfile,
      logLevel: 'silent',
    });
    return outfile;
  }

  const input = {
    FromEmailAddress: 'a@example.com',
    Destination: { ToAddresses: ['b@example.com'] },
    Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
    EmailTags: [{ Name: 'notification', Value: 'n1' }],
    ListManagementOptions: { ContactListName: 'list', TopicName: 'news' },
  };

  it('sends the same request and reads the same answers as without it, in a smaller bundle', async () => {
    const results: Record<string, unknown[]> = {};
    for (const withPlugin of [false, true]) {
      const file = await sesBundle(withPlugin);
      const { send } = (await import(pathToFileURL(file).href)) as {
        send: (endpoint: string, input: unknown) => Promise<unknown>;
      };
      seen = [];
      answer = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"MessageId":"m-1"}',
      };
      const ok = await send(url, input);
      // An error the schema registry must name (its schema carries the `error`/`httpError` keys).
      answer = {
        status: 400,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' },
        body: '{"message":"Email address is not verified."}',
      };
      const refused = await send(url, input);
      results[String(withPlugin)] = [ok, refused, seen, readFileSync(file).length];
    }
    const [plainOk, plainRefused, plainSeen, plainBytes] = results.false ?? [];
    const [ok, refused, requests, bytes] = results.true ?? [];
    expect(ok).toMatchObject({ ok: { MessageId: 'm-1' } });
    expect(refused).toEqual({
      error: { name: 'MessageRejected', message: 'Email address is not verified.', status: 400 },
    });
    expect(ok).toEqual(plainOk);
    expect(refused).toEqual(plainRefused);
    expect(requests).toEqual(plainSeen);
    expect((requests as Seen[])[0]).toMatchObject({
      method: 'POST',
      url: '/v2/email/outbound-emails',
    });
    expect(JSON.parse((requests as Seen[])[0]?.body ?? '{}')).toMatchObject(input);
    // Without the plugin every SES v2 operation's schema stays in (aws/aws-sdk-js-v3#7607).
    expect(plainBytes as number).toBeGreaterThan((bytes as number) + 30 * 1024);
  }, 60_000);
});

describe('a function asset (build-function.ts)', () => {
  it('keeps what a send path never calls in chunks of its own, loaded only when called', async () => {
    const api = join(dir, 'api');
    const built = await buildFunction({ handlerName: 'api', outdir: api, sourcemap: false });
    expect(existsSync(join(api, ENTRY_FILE))).toBe(true);
    const liquid = filesWith(api, 'LiquidError');
    expect(liquid.length).toBe(1);
    expect(liquid[0]).toMatch(/^chunks\//);
    expect(built.onDemand.map(({ file }) => file)).toContain(liquid[0]);
    // The email sender's STS client (tenants with a role in another account) likewise.
    const email = join(dir, 'send-email');
    const emailBuild = await buildFunction({
      handlerName: 'send-email',
      outdir: email,
      sourcemap: false,
    });
    const sts = filesWith(email, 'AssumeRoleResponse');
    expect(sts.length).toBe(1);
    expect(emailBuild.onDemand.map(({ file }) => file)).toContain(sts[0]);
    // No other SES v2 operation rides along with SendEmail.
    expect(filesWith(email, '/v2/email/outbound-emails').length).toBe(1);
    expect(filesWith(email, 'customer-managed-status')).toEqual([]);

    // A cold start: the entry loads (and exports the handler) without the on-demand chunks.
    const start = loadedAtStart(api, {
      AWS_REGION: 'us-east-1',
      POWERTOOLS_TRACE_ENABLED: 'false',
      TABLE_NAME: 't',
      ...Object.fromEntries(
        ['EMAIL', 'SMS', 'WHATSAPP', 'PUSH', 'SLACK', 'MQTT'].map((channel) => [
          `QUEUE_URL_${channel}`,
          `https://sqs.us-east-1.amazonaws.com/1/${channel.toLowerCase()}`,
        ]),
      ),
    });
    expect(start.exports).toContain('handler');
    expect(start.files).toContain(resolve(api, ENTRY_FILE));
    expect(start.files).not.toContain(resolve(api, liquid[0] ?? ''));
  }, 120_000);
});

describe('HeraldFunction', () => {
  it("gives each function its own handler's asset", () => {
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'AssetTest');
    const props = {
      serviceName: 'test',
      environment: {},
      logRetention: logs.RetentionDays.ONE_DAY,
      timeout: Duration.seconds(5),
      tracing: false,
    };
    for (const handlerName of ['authorizer', 'release-scheduled'])
      new HeraldFunction(stack, handlerName, { ...props, handlerName });
    const assembly = app.synth();
    const template = assembly.getStackByName('AssetTest').template as {
      Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>;
    };
    const keys = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [id.replace(/Function.*$/, ''), r.Properties.Code.S3Key] as const);
    expect(keys.map(([id]) => id).sort()).toEqual(['authorizer', 'releasescheduled']);
    expect(new Set(keys.map(([, key]) => key)).size).toBe(2);
    // Each asset is its own handler: the authorizer reads API keys, the other releases sends.
    const assetOf = (key: string) => join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    for (const [id, key] of keys) {
      const asset = assetOf(key);
      expect([id, existsSync(join(asset, ENTRY_FILE))]).toEqual([id, true]);
      const text = readFileSync(join(asset, ENTRY_FILE), 'utf8');
      expect([id, text.includes('methodArn')]).toEqual([id, id === 'authorizer']);
    }
  }, 120_000);
});
