import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../functions/adapters/dynamodb/api-key-store';
import type { DeliveryStatus } from '../../functions/core/notifications/model';
import { FINAL, SUCCEEDED } from '../../functions/core/notifications/status';
import type { OutboxEntry } from '../../local/fakes/outbox';
import type { LocalState } from '../../local/state-file';

/** `npm start` (local/start.ts) as its own process, so the test can SIGKILL all of it. */
interface StackProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const ROOT = join(import.meta.dirname, '..', '..');
const RECIPIENTS_PER_CHANNEL = 500;
const NOTIFICATIONS = 2;
const TOTAL = NOTIFICATIONS * 2 * RECIPIENTS_PER_CHANNEL; // email + sms: 2,000 deliveries
/** Kill once this many sends have reached the fakes: well into the drain, far from its end. */
const KILL_AFTER_SENDS = 600;
/**
 * The most sends that can be in flight at once: per channel 2 lanes x 2 receive loops x 10
 * records a batch (the local stack's defaults), for the two channels used here.
 */
const MAX_IN_FLIGHT = 2 * (2 * 2 * 10);

async function startStack(dataDir: string): Promise<StackProcess> {
  // node --import tsx, not the tsx CLI: the CLI runs the stack in a grandchild a kill would miss.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'local', 'start.ts'), '--data', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', MQTT_PORT: '0', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /API\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited (${code}) before it was up:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, url, output: () => output };
}

function kill(stack: StackProcess, signal: NodeJS.Signals): Promise<void> {
  const { child } = stack;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function readOutbox(dataDir: string): OutboxEntry[] {
  const file = join(dataDir, 'outbox.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as OutboxEntry];
      } catch {
        return []; // a line torn by the kill: that send was never answered
      }
    });
}

async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Delivery = {
  id: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  providerMessageId?: string;
};

describe('local stack › crash and restart', () => {
  const stacks: StackProcess[] = [];
  let dir: string | undefined;

  afterAll(async () => {
    for (const stack of stacks) await kill(stack, 'SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses no accepted delivery when the whole stack is SIGKILLed mid-drain and restarted', async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-crash-'));
    const dataDir = join(dir, 'data');
    const first = await startStack(dataDir);
    stacks.push(first);
    const devKey = readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim();
    const call = async (url: string, method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    // A key made the way `npm run keys -- create --local` does, through the endpoints file.
    const state = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as LocalState;
    const dynamo = new DynamoDBClient({
      endpoint: state.dynamodbEndpoint,
      region: state.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { key: tenantKey } = await new ApiKeyStore(
      DynamoDBDocumentClient.from(dynamo),
      state.tableName,
    ).create('acme');
    dynamo.destroy();

    const ids: string[] = [];
    for (let n = 0; n < NOTIFICATIONS; n++) {
      const numbers = Array.from(
        { length: RECIPIENTS_PER_CHANNEL },
        // Ending in 7: numbers ending 0001-0006 are the Twilio fake's failure conventions.
        (_, i) => `+1555${String(n * RECIPIENTS_PER_CHANNEL + i).padStart(6, '0')}7`,
      );
      const emails = Array.from(
        { length: RECIPIENTS_PER_CHANNEL },
        (_, i) => `r${n}-${i}@example.com`,
      );
      const accepted = await call(first.url, 'POST', '/v1/notifications', devKey, {
        channels: {
          email: { to: emails, subject: `backlog ${n}`, text: 'crash test' },
          sms: { to: numbers, text: `backlog ${n}` },
        },
      });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
      expect(accepted.body.deliveries).toBe(2 * RECIPIENTS_PER_CHANNEL);
      ids.push(accepted.body.id as string);
    }

    await waitUntil(
      () => (readOutbox(dataDir).length >= KILL_AFTER_SENDS ? true : undefined),
      30_000,
      `${KILL_AFTER_SENDS} sends before the kill`,
    );
    await kill(first, 'SIGKILL');
    const sentBeforeKill = readOutbox(dataDir).length;
    expect(sentBeforeKill, 'the kill came after the backlog had drained').toBeLessThan(TOTAL);

    const restartedAt = Date.now();
    const second = await startStack(dataDir);
    stacks.push(second);
    // The same development key, and the key made before the crash, still open the API.
    expect(readFileSync(join(dataDir, 'dev-api-key'), 'utf8').trim()).toBe(devKey);
    const asTenant = await call(second.url, 'GET', `/v1/notifications/${ids[0]}`, tenantKey);
    expect(asTenant.status).toBe(404); // authorized, and another tenant's notification

    const deliveries = await waitUntil(
      async () => {
        const all: Delivery[] = [];
        for (const id of ids) {
          const { status, body } = await call(second.url, 'GET', `/v1/notifications/${id}`, devKey);
          if (status !== 200) return undefined;
          all.push(...(body.deliveries as Delivery[]));
        }
        return all.every((d) => FINAL.includes(d.status)) ? all : undefined;
      },
      90_000,
      'every delivery to reach a final state after the restart',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- stack output ---\n${second.output().slice(-4000)}`);
    });
    const drainedMs = Date.now() - restartedAt;

    const outbox = readOutbox(dataDir);
    const sends = new Map<string, OutboxEntry[]>();
    for (const entry of outbox) {
      const key = `${entry.channel}:${entry.recipient}`;
      sends.set(key, [...(sends.get(key) ?? []), entry]);
    }
    // Accepted by the provider (`sent`), or confirmed too (`delivered`).
    const delivered = deliveries.filter((d) => SUCCEEDED.includes(d.status));
    // A delivery claimed before the kill and not recorded by then is claimed again after the
    // lease: exactly those carry a second attempt (nothing else fails in this run).
    const inFlightAtKill = deliveries.filter((d) => d.attempts >= 2);
    const duplicated = [...sends.entries()].filter(([, entries]) => entries.length > 1);
    const duplicates = duplicated.reduce((sum, [, entries]) => sum + entries.length - 1, 0);

    console.log(
      `[crash-restart] accepted ${deliveries.length}, delivered ${delivered.length}, ` +
        `sends ${outbox.length} (${sentBeforeKill} before the kill), ` +
        `in flight at the kill ${inFlightAtKill.length}, duplicate sends ${duplicates}, ` +
        `final ${(drainedMs / 1000).toFixed(1)} s after the restart`,
    );

    // Nothing lost: every accepted delivery is final, delivered, and its recorded send is one
    // the provider received (the API masks recipients, so sends are matched by provider id).
    expect(deliveries).toHaveLength(TOTAL);
    expect(delivered).toHaveLength(TOTAL);
    const byProviderId = new Map(outbox.map((e) => [e.providerMessageId, e]));
    for (const d of delivered) {
      expect(byProviderId.has(d.providerMessageId ?? ''), `${d.id} was never sent`).toBe(true);
    }
    expect(outbox.length).toBe(TOTAL + duplicates);
    // Every send a provider received is a recorded attempt.
    const attempts = deliveries.reduce((sum, d) => sum + d.attempts, 0);
    expect(outbox.length).toBeLessThanOrEqual(attempts);
    // Duplicates only among sends in flight at the kill: the send whose answer the kill lost
    // (before it, recorded nowhere) and the one after the restart that was recorded.
    expect(inFlightAtKill.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(duplicates).toBeLessThanOrEqual(inFlightAtKill.length);
    const recorded = new Set(delivered.map((d) => d.providerMessageId));
    const killedAt = restartedAt;
    for (const [recipient, entries] of duplicated) {
      expect(entries, recipient).toHaveLength(2);
      const [lost, retried] = entries;
      expect(Date.parse(lost?.receivedAt ?? ''), recipient).toBeLessThan(killedAt);
      expect(recorded.has(lost?.providerMessageId), recipient).toBe(false);
      expect(Date.parse(retried?.receivedAt ?? ''), recipient).toBeGreaterThan(killedAt);
      expect(recorded.has(retried?.providerMessageId), recipient).toBe(true);
    }
  }, 150_000);
});
