import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '../../../../functions/adapters/sqs/delivery-queue';
import { listDeadLetters } from '../../../../functions/core/dead-letters/inspect';
import type { DeadLetterSource } from '../../../../functions/core/dead-letters/queues';
import { replayDeadLetters } from '../../../../functions/core/dead-letters/replay';
import { deliveryMessage } from '../../../../functions/core/delivery/delivery-message';
import { reconcile } from '../../../../functions/core/delivery/reconcile';
import type { DeliveryRecord } from '../../../../functions/core/notifications/model';
import { InMemoryDeadLetterQueues, InMemoryIndex } from '../fakes';
import { NOW, world } from '../helpers';

// The replay use-case on in-memory ports: which dead letters go back, which deliveries re-open,
// and that a second replay changes nothing.

let env: ReturnType<typeof world>;
let dlq: InMemoryDeadLetterQueues;
let deps: Parameters<typeof replayDeadLetters>[0];

beforeEach(() => {
  env = world();
  dlq = new InMemoryDeadLetterQueues();
  deps = { dlq, store: env.store, queue: env.queue, now: () => NOW };
});

/** Ingests `id` with one SMS delivery, takes it to `failed` the way the channel function does. */
async function deadLettered(
  id: string,
  kind: 'exhausted' | 'permanent' = 'exhausted',
  extra = {},
  tenantId = 'acme',
) {
  await env.ingest(['+14155550001'], extra, id, tenantId);
  await env.store.claim(id, 'sms#0', NOW, 30_000);
  await env.store.markFailed(id, 'sms#0', 'gave up after 5 attempts: 503', NOW, ['sending'], kind);
  const record = env.store.delivery(id, 'sms#0') as DeliveryRecord;
  env.queue.messages.length = 0;
  return dlq.add('sms', deliveryMessage(record));
}

describe('replayDeadLetters', () => {
  it('re-opens a delivery whose retries ran out and puts a fresh message on its queue', async () => {
    const messageId = await deadLettered('n1');
    const result = await replayDeadLetters(deps, 'sms');
    expect(result).toMatchObject({ replayed: 1, skipped: 0, kept: 0 });
    expect(result.decisions).toEqual([
      expect.objectContaining({
        messageId,
        notificationId: 'n1',
        deliveryId: 'sms#0',
        action: 'replayed',
      }),
    ]);
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'queued', replays: 1 });
    expect(env.store.delivery('n1', 'sms#0')?.failure).toBeUndefined();
    expect(env.queue.messages.map((m) => [m.record.deliveryId, m.priority])).toEqual([
      ['sms#0', 'normal'],
    ]);
    expect(dlq.waiting('sms')).toEqual([]);
  });

  it('a second replay changes nothing', async () => {
    await deadLettered('n1');
    await replayDeadLetters(deps, 'sms');
    const before = structuredClone(env.store.delivery('n1', 'sms#0'));
    const again = await replayDeadLetters(deps, 'sms');
    expect(again).toMatchObject({ replayed: 0, skipped: 0, kept: 0, decisions: [] });
    expect(env.store.delivery('n1', 'sms#0')).toEqual(before);
    expect(env.queue.messages).toHaveLength(1);
  });

  it('keeps a permanent failure in the DLQ unless asked, then re-opens it', async () => {
    const messageId = await deadLettered('n1', 'permanent');
    const kept = await replayDeadLetters(deps, 'sms');
    expect(kept).toMatchObject({ replayed: 0, kept: 1 });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
    expect(dlq.waiting('sms')).toEqual([messageId]);
    const forced = await replayDeadLetters(deps, 'sms', { includePermanent: true });
    expect(forced).toMatchObject({ replayed: 1 });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({ status: 'queued', replays: 1 });
    expect(dlq.waiting('sms')).toEqual([]);
  });

  it('reads records from before failure kinds by their reason', async () => {
    await deadLettered('n1');
    delete (env.store.delivery('n1', 'sms#0') as DeliveryRecord).failure;
    expect(await replayDeadLetters(deps, 'sms')).toMatchObject({ replayed: 1 });
  });

  it('skips (and removes) messages of deliveries already delivered or cancelled', async () => {
    await deadLettered('n1');
    (env.store.delivery('n1', 'sms#0') as DeliveryRecord).status = 'delivered';
    await env.ingest(['+14155550002'], {}, 'n2');
    await env.store.cancel('n2', 'sms#0', NOW);
    dlq.add('sms', deliveryMessage(env.store.delivery('n2', 'sms#0') as DeliveryRecord));
    env.queue.messages.length = 0;
    const result = await replayDeadLetters(deps, 'sms');
    expect(result).toMatchObject({ replayed: 0, skipped: 2 });
    expect(result.decisions.map((d) => d.reason)).toEqual([
      'already delivered',
      'already cancelled',
    ]);
    expect(env.queue.messages).toEqual([]);
    expect(dlq.waiting('sms')).toEqual([]);
  });

  it('requeues a delivery still in flight without touching its status (the claim decides)', async () => {
    await env.ingest(['+14155550001'], {}, 'n1');
    await env.store.claim('n1', 'sms#0', NOW, 30_000);
    dlq.add('sms', deliveryMessage(env.store.delivery('n1', 'sms#0') as DeliveryRecord));
    env.queue.messages.length = 0;
    expect(await replayDeadLetters(deps, 'sms')).toMatchObject({ replayed: 1 });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('sending');
    expect(env.queue.messages).toHaveLength(1);
  });

  it('leaves messages outside --notification, --since and --limit exactly where they were', async () => {
    const first = await deadLettered('n1');
    const second = await deadLettered('n2');
    expect(await replayDeadLetters(deps, 'sms', { notificationId: 'n2' })).toMatchObject({
      replayed: 1,
    });
    expect(dlq.waiting('sms')).toEqual([first]);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
    expect(second).not.toBe(first);

    const late = await deadLettered('n3');
    const letter = dlq.letters.get('sms')?.find((l) => l.messageId === late);
    if (letter) letter.sentAt = '2026-12-02T00:00:00.000Z';
    const since = await replayDeadLetters(deps, 'sms', {
      since: Date.parse('2026-12-01T18:00:00Z'),
    });
    expect(since.decisions.map((d) => d.notificationId)).toEqual(['n3']);

    await deadLettered('n4');
    const limited = await replayDeadLetters(deps, 'sms', { limit: 1 });
    expect(limited.replayed).toBe(1);
    expect(dlq.waiting('sms')).toHaveLength(1);
    // Nothing stays held out of view after a run.
    expect(dlq.letters.get('sms')?.every((l) => !l.held)).toBe(true);
  });

  it("replays only the tenant's own messages and does not count the others", async () => {
    await deadLettered('n1');
    const theirs = await deadLettered('n2', 'exhausted', {}, 'other');
    const result = await replayDeadLetters(deps, 'sms', { tenantId: 'acme' });
    expect(result).toMatchObject({ replayed: 1, skipped: 0, kept: 0 });
    expect(dlq.waiting('sms')).toEqual([theirs]);
    expect(env.store.delivery('n2', 'sms#0')?.status).toBe('failed');
  });

  it("decides a tenant's messages without reading another tenant's notifications", async () => {
    await deadLettered('n1');
    await deadLettered('n2', 'exhausted', {}, 'other');
    const read: string[] = [];
    const get = env.store.get.bind(env.store);
    env.store.get = (id: string) => {
      read.push(id);
      return get(id);
    };
    expect(await replayDeadLetters(deps, 'sms', { tenantId: 'acme' })).toMatchObject({
      replayed: 1,
    });
    expect(await listDeadLetters(deps, 'sms', { tenantId: 'acme' })).toEqual([]);
    expect(read).not.toContain('n2');
    expect(env.store.tenantLookups).toBe(0);
  });

  it("puts another tenant's messages back as soon as the scan is done, held only as asked", async () => {
    await deadLettered('n1');
    const theirs = await deadLettered('n2', 'exhausted', {}, 'other');
    const holds: number[] = [];
    const receive = dlq.receive.bind(dlq);
    dlq.receive = (source: DeadLetterSource, max: number, holdSeconds?: number) => {
      holds.push(holdSeconds ?? -1);
      return receive(source, max);
    };
    const heldWhileWriting: boolean[] = [];
    const enqueue = env.queue.enqueue.bind(env.queue);
    env.queue.enqueue = (...args) => {
      heldWhileWriting.push(
        dlq.letters.get('sms')?.find((l) => l.messageId === theirs)?.held ?? false,
      );
      return enqueue(...args);
    };
    await replayDeadLetters(deps, 'sms', { tenantId: 'acme', holdSeconds: 12 });
    expect(heldWhileWriting).toEqual([false]);
    expect(holds.every((h) => h === 12)).toBe(true);
  });

  it('stops looking at the deadline and holds nothing after it', async () => {
    await deadLettered('n1');
    const result = await replayDeadLetters(deps, 'sms', { deadline: Date.now() - 1 });
    expect(result).toMatchObject({ replayed: 0, decisions: [] });
    expect(dlq.letters.get('sms')?.every((l) => !l.held)).toBe(true);
  });

  it('gives a re-opened delivery a fresh attempt budget with the reconciler too', async () => {
    await deadLettered('n1');
    (env.store.delivery('n1', 'sms#0') as DeliveryRecord).attempts = 5;
    await replayDeadLetters(deps, 'sms');
    // Its new message waits in the queue past the reconciler's threshold.
    const later = NOW + 40 * 60_000;
    const report = await reconcile({
      store: env.store,
      index: new InMemoryIndex(env.store),
      queue: env.queue,
      settings: { stuckAfterMs: 60_000, maxAttempts: 5 },
      now: () => later,
    });
    expect(report.stuck).toEqual([expect.objectContaining({ action: 'requeued', attempts: 5 })]);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
  });

  it('a dry run decides and changes nothing', async () => {
    const messageId = await deadLettered('n1');
    const result = await replayDeadLetters(deps, 'sms', { dryRun: true });
    expect(result).toMatchObject({ replayed: 1 });
    expect(result.decisions[0]?.reason).toMatch(/would re-open/);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
    expect(env.queue.messages).toEqual([]);
    expect(dlq.waiting('sms')).toEqual([messageId]);
  });

  it('undoes the re-open when the queue refuses the message, and keeps the dead letter', async () => {
    const messageId = await deadLettered('n1');
    env.queue.reject.add('sms#0');
    expect(await replayDeadLetters(deps, 'sms')).toMatchObject({ replayed: 0, kept: 1 });
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      failure: 'exhausted',
    });
    expect(dlq.waiting('sms')).toEqual([messageId]);
  });

  it('keeps the dead letter of the one notification SQS refused in a mixed batch', async () => {
    // Every notification's first SMS is `sms#0`: the refusal must land on n2, not on n1 or n3.
    const ids = { n1: await deadLettered('n1'), n2: await deadLettered('n2') };
    await deadLettered('n3');
    const sqs = {
      send: async (command: SendMessageBatchCommand) => {
        const entries = command.input.Entries ?? [];
        const refused = (e: (typeof entries)[number]) =>
          JSON.parse(e.MessageBody ?? '{}').notificationId === 'n2';
        return {
          Successful: entries.filter((e) => !refused(e)).map((e) => ({ Id: e.Id })),
          Failed: entries
            .filter(refused)
            .map((e) => ({ Id: e.Id, SenderFault: true, Code: 'Refused' })),
        };
      },
    } as unknown as SQSClient;
    const queue = new SqsDeliveryQueue(sqs, { sms: { normal: 'https://sqs.test/q/sms' } });

    const result = await replayDeadLetters({ ...deps, queue }, 'sms');

    expect(result).toMatchObject({ replayed: 2, kept: 1 });
    expect(result.decisions.find((d) => d.action === 'kept')).toMatchObject({
      messageId: ids.n2,
      notificationId: 'n2',
    });
    expect(dlq.waiting('sms')).toEqual([ids.n2]);
    expect(env.store.delivery('n2', 'sms#0')?.status).toBe('failed');
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(env.store.delivery('n3', 'sms#0')?.status).toBe('queued');
  });

  it('keeps a message that is not a Herald delivery message', async () => {
    dlq.add('sms', 'not json');
    expect(await replayDeadLetters(deps, 'sms')).toMatchObject({ kept: 1 });
    expect(dlq.waiting('sms')).toHaveLength(1);
  });

  it('re-runs the release of a schedule dead letter', async () => {
    await env.ingest(['+14155550001'], { sendAt: NOW + 2 * 3600_000 }, 'n1');
    dlq.add('schedule', { notificationId: 'n1' });
    expect(await replayDeadLetters(deps, 'schedule')).toMatchObject({ replayed: 1 });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(env.queue.messages).toHaveLength(1);
    expect(dlq.waiting('schedule')).toEqual([]);
    dlq.add('schedule', { notificationId: 'n1' });
    expect(await replayDeadLetters(deps, 'schedule')).toMatchObject({ replayed: 0, skipped: 1 });
  });

  it('moves a whole queue with one move task when every message qualifies', async () => {
    dlq.enableMoveTask();
    await deadLettered('n1');
    await deadLettered('n2');
    const result = await replayDeadLetters(deps, 'sms');
    expect(result).toMatchObject({ replayed: 2, moveTask: 'task-sms' });
    expect(dlq.moved.map((m) => JSON.parse(m.body).notificationId)).toEqual(['n1', 'n2']);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(env.queue.messages).toEqual([]);
  });

  it('puts the deliveries back to failed and says why when the move task fails', async () => {
    dlq.enableMoveTask();
    dlq.moveAll = async () => {
      throw new Error('StartMessageMoveTask on the sms dead-letter queue failed: AccessDenied');
    };
    const first = await deadLettered('n1');
    const second = await deadLettered('n2');

    const result = await replayDeadLetters(deps, 'sms');

    expect(result).toMatchObject({ replayed: 0, kept: 2 });
    expect(result.moveTask).toBeUndefined();
    expect(result.error).toMatch(/StartMessageMoveTask on the sms dead-letter queue failed/);
    expect(result.decisions.map((d) => d.reason)).toEqual([
      expect.stringMatching(/move task failed.*AccessDenied/),
      expect.stringMatching(/move task failed.*AccessDenied/),
    ]);
    for (const id of ['n1', 'n2']) {
      expect(env.store.delivery(id, 'sms#0')).toMatchObject({
        status: 'failed',
        failure: 'exhausted',
      });
    }
    expect(dlq.waiting('sms')).toEqual([first, second]);
    expect(dlq.letters.get('sms')?.every((l) => !l.held)).toBe(true);
    // The next replay finds them as they were, and can go message by message.
    dlq.moveAll = undefined;
    expect(await replayDeadLetters(deps, 'sms')).toMatchObject({ replayed: 2 });
  });

  it('replays one by one instead when a message must stay or a filter is given', async () => {
    dlq.enableMoveTask();
    await deadLettered('n1');
    await deadLettered('n2', 'permanent');
    const result = await replayDeadLetters(deps, 'sms');
    expect(result).toMatchObject({ replayed: 1, kept: 1 });
    expect(result.moveTask).toBeUndefined();
    expect(dlq.moved).toEqual([]);
  });
});

describe('listDeadLetters', () => {
  it('shows each message with its delivery and changes nothing', async () => {
    const messageId = await deadLettered('n1');
    const views = await listDeadLetters(deps, 'sms');
    expect(views).toEqual([
      expect.objectContaining({
        messageId,
        source: 'sms',
        notificationId: 'n1',
        deliveryId: 'sms#0',
        recipient: '+141******01',
        status: 'failed',
        failure: 'exhausted',
      }),
    ]);
    expect(dlq.waiting('sms')).toEqual([messageId]);
    expect(dlq.letters.get('sms')?.every((l) => !l.held)).toBe(true);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('failed');
  });
});
