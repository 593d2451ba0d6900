import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ReconcileDependencies,
  reconcile,
} from '../../../../functions/core/delivery/reconcile';
import { RECONCILE_AFTER_SECONDS } from '../../../../functions/core/notifications/model';
import { InMemoryIndex } from '../fakes';
import { NOW, world } from '../helpers';

const STUCK_AFTER = RECONCILE_AFTER_SECONDS * 1000;
/** The first moment the reconciler may call a notification ingested at NOW stuck. */
const DUE = NOW + STUCK_AFTER + 1;

let env: ReturnType<typeof world>;
let index: InMemoryIndex;
let deps: (now: number) => ReconcileDependencies;

beforeEach(() => {
  env = world();
  index = new InMemoryIndex(env.store);
  deps = (now) => ({
    store: env.store,
    index,
    queue: env.queue,
    settings: { stuckAfterMs: STUCK_AFTER, maxAttempts: 5 },
    now: () => now,
  });
});

describe('reconcile', () => {
  it('re-enqueues deliveries written but never enqueued (the api died in between)', async () => {
    await env.ingest(['+14155550001', '+14155550002']);
    env.queue.messages.length = 0; // as if SendMessageBatch never happened

    const report = await reconcile(deps(DUE));

    expect(report.stuck).toEqual([
      expect.objectContaining({ deliveryId: 'sms#0', status: 'queued', action: 'requeued' }),
      expect.objectContaining({ deliveryId: 'sms#1', status: 'queued', action: 'requeued' }),
    ]);
    expect(env.queue.messages.map((m) => m.record.deliveryId)).toEqual(['sms#0', 'sms#1']);
    // Still open, so it is looked at again later; not again at once.
    expect(report.notificationsOpen).toBe(1);
    expect((await reconcile(deps(DUE + 1000))).stuck).toEqual([]);
    expect(env.queue.messages).toHaveLength(2);
  });

  it('releases scheduled deliveries whose release never came (schedule DLQ)', async () => {
    const sendAt = NOW + 3600_000;
    await env.ingest(['+14155550001'], { sendAt });
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('scheduled');

    // Not before sendAt plus the grace period.
    expect((await reconcile(deps(sendAt + STUCK_AFTER - 1000))).stuck).toEqual([]);
    const report = await reconcile(deps(sendAt + STUCK_AFTER + 1));

    expect(report.stuck).toEqual([
      expect.objectContaining({ status: 'scheduled', action: 'requeued' }),
    ]);
    expect(env.store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(env.queue.messages.map((m) => m.record.deliveryId)).toEqual(['sms#0']);
  });

  it('re-enqueues a sending delivery whose lease ran out long ago (its function died)', async () => {
    await env.ingest(['+14155550001']);
    await env.store.claim('n1', 'sms#0', NOW, 210_000);
    env.queue.messages.length = 0;

    // Within the lease plus the grace period: an attempt may still be in flight.
    expect((await reconcile(deps(DUE))).stuck).toEqual([]);
    // Looked at again one grace period later, by when the lease is long gone.
    const report = await reconcile(deps(DUE + STUCK_AFTER));

    expect(report.stuck).toEqual([
      expect.objectContaining({ status: 'sending', attempts: 1, action: 'requeued' }),
    ]);
    expect(env.queue.messages).toHaveLength(1);
  });

  it('records failed, with the reason, a stuck delivery that used up its attempts', async () => {
    await env.ingest(['+14155550001']);
    for (let i = 0; i < 5; i++) await env.store.claim('n1', 'sms#0', NOW - 10 + i, 0);

    const report = await reconcile(deps(DUE));

    expect(report.stuck).toEqual([expect.objectContaining({ attempts: 5, action: 'failed' })]);
    expect(env.store.delivery('n1', 'sms#0')).toMatchObject({
      status: 'failed',
      lastError: expect.stringMatching(/^stuck sending since .*: gave up after 5 attempts$/),
    });
    expect(report.notificationsOpen).toBe(0);
  });

  it('leaves a settled notification alone and never reads it again', async () => {
    await env.ingest(['+14155550001'], {}, 'n1');
    await env.ingest(['+14155550002'], {}, 'n22');
    for (const id of ['n1', 'n22']) {
      await env.store.claim(id, 'sms#0', NOW, 1000);
      await env.store.applyReport(id, 'sms#0', {
        status: 'sent',
        from: ['sending'],
        providerMessageId: 'SM1',
        now: NOW,
      });
    }

    const first = await reconcile(deps(DUE + 60_000));
    const second = await reconcile(deps(DUE + 360_000));

    expect(first).toMatchObject({ notificationsChecked: 2, notificationsOpen: 0, stuck: [] });
    expect(second.notificationsChecked).toBe(0);
    expect(index.listed.sort()).toEqual(['n1', 'n22']);
  });

  it('looks again later at a notification still legitimately in progress', async () => {
    await env.ingest(['+14155550001']);
    env.store.age('n1', 'sms#0', DUE - 1000); // it moved a second ago

    const report = await reconcile(deps(DUE));

    expect(report).toMatchObject({ notificationsOpen: 1, stuck: [] });
    expect(env.store.notifications.get('n1')?.reconcileAt).toBe(DUE + STUCK_AFTER);
  });

  it('stops at its deadline and carries on from there next time', async () => {
    await env.ingest(['+14155550001'], {}, 'n1');
    await env.ingest(['+14155550002'], {}, 'n2');
    env.queue.messages.length = 0;

    const cut = await reconcile(deps(DUE), DUE + 1000);
    const rest = await reconcile(deps(DUE + 60_000));

    expect(cut).toMatchObject({ complete: false, notificationsChecked: 0 });
    expect(rest.stuck.map((s) => s.notificationId).sort()).toEqual(['n1', 'n2']);
  });
});
