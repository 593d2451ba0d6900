import { describe, expect, it } from 'vitest';
import { cancelNotification } from '../../../../functions/core/notifications/cancel';
import { describeNotification } from '../../../../functions/core/notifications/describe';
import { releaseNotification } from '../../../../functions/core/notifications/release';
import { ConflictError, NotFoundError } from '../../../../functions/core/shared/errors';
import { NOW, world } from '../helpers';

const later = { sendAt: NOW + 2 * 3600_000 };

describe('releaseNotification', () => {
  it('enqueues every scheduled delivery, then marks it queued', async () => {
    const { store, queue, ingest } = world();
    await ingest(['+14155550001', '+14155550002'], later);
    expect(await releaseNotification({ store, queue }, 'n1', NOW)).toEqual({
      released: 2,
      skipped: 0,
    });
    expect(queue.messages).toHaveLength(2);
    expect(store.delivery('n1', 'sms#1')?.status).toBe('queued');
  });

  it('releases nothing of a cancelled notification', async () => {
    const { store, queue, scheduler, ingest } = world();
    await ingest(['+14155550001', '+14155550002'], later);
    await cancelNotification({ store, scheduler }, 'n1', 'acme', NOW);
    expect(await releaseNotification({ store, queue }, 'n1', NOW)).toEqual({
      released: 0,
      skipped: 2,
    });
    expect(queue.messages).toHaveLength(0);
  });

  it('a second firing releases nothing twice', async () => {
    const { store, queue, ingest } = world();
    await ingest(['+14155550001'], later);
    await releaseNotification({ store, queue }, 'n1', NOW);
    expect((await releaseNotification({ store, queue }, 'n1', NOW)).released).toBe(0);
    expect(queue.messages).toHaveLength(1);
  });

  it('leaves deliveries scheduled when the queue refuses them, for the scheduler to retry', async () => {
    const { store, queue, ingest } = world();
    await ingest(['+14155550001'], later);
    queue.reject.add('sms#0');
    await expect(releaseNotification({ store, queue }, 'n1', NOW)).rejects.toThrow(
      /could not be released/,
    );
    expect(store.delivery('n1', 'sms#0')?.status).toBe('scheduled');
  });
});

describe('cancelNotification', () => {
  it('cancels what is not sent yet and deletes the pending schedule', async () => {
    const { store, scheduler, ingest } = world();
    await ingest(['+14155550001'], later);
    const answer = await cancelNotification({ store, scheduler }, 'n1', 'acme', NOW);
    expect(answer).toMatchObject({ id: 'n1', cancelled: 1 });
    expect(scheduler.deleted).toEqual(['herald-n1']);
    expect(store.delivery('n1', 'sms#0')?.status).toBe('cancelled');
  });

  it('is a conflict when nothing is left to cancel', async () => {
    const { store, ingest } = world();
    await ingest(['+14155550001']);
    await store.claim('n1', 'sms#0', NOW, 30_000);
    await store.applyReport('n1', 'sms#0', { status: 'sent', from: ['sending'], now: NOW });
    await expect(cancelNotification({ store }, 'n1', 'acme', NOW)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it("answers another tenant's notification as not found", async () => {
    const { store, ingest } = world();
    await ingest(['+14155550001']);
    await expect(cancelNotification({ store }, 'n1', 'other', NOW)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(describeNotification(store, 'n1', 'other')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('describeNotification', () => {
  it('shows each delivery masked, with counts and the aggregate status', async () => {
    const { store, ingest } = world();
    await ingest(['+14155550001', '+14155550002']);
    await store.cancel('n1', 'sms#1', NOW);
    const view = await describeNotification(store, 'n1', 'acme');
    expect(view).toMatchObject({
      id: 'n1',
      status: 'in_progress',
      counts: { queued: 1, cancelled: 1 },
    });
    expect(view.deliveries.map((d) => d.recipient)).toEqual(['+141******01', '+141******02']);
  });
});
