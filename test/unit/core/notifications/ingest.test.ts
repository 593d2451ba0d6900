import { describe, expect, it } from 'vitest';
import { ingestNotification } from '../../../../functions/core/notifications/ingest';
import {
  EnqueueError,
  InvalidRequestError,
  NotRecordedError,
} from '../../../../functions/core/shared/errors';
import { InMemoryQueue, InMemoryRepository } from '../fakes';
import { NOW, smsRequest, world } from '../helpers';

describe('ingestNotification', () => {
  it('records every delivery queued and enqueues each once', async () => {
    const { store, queue, ingest } = world();
    const accepted = await ingest(['+14155550001', '+14155550002']);
    expect(accepted).toEqual({ id: 'n1', status: 'accepted', deliveries: 2 });
    expect([...store.deliveries.values()].map((d) => d.status)).toEqual(['queued', 'queued']);
    expect(queue.messages.map((m) => m.record.deliveryId)).toEqual(['sms#0', 'sms#1']);
  });

  it('settles a partial enqueue: exactly the refused deliveries are failed, the caller gets the id', async () => {
    const { store, queue, ingest } = world();
    queue.reject.add('sms#1');
    const error = await ingest(['+14155550001', '+14155550002', '+14155550003']).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error).toMatchObject({ notificationId: 'n1', failedDeliveries: 1, queuedDeliveries: 2 });
    expect(store.delivery('n1', 'sms#0')?.status).toBe('queued');
    expect(store.delivery('n1', 'sms#1')).toMatchObject({
      status: 'failed',
      lastError: 'not queued: queue refused',
    });
    expect(store.delivery('n1', 'sms#2')?.status).toBe('queued');
  });

  it('a failed write: NotRecordedError, nothing enqueued, settled or scheduled', async () => {
    const { store, queue, scheduler, ingest } = world();
    store.failCreateAfter = 1;
    await expect(ingest(['+14155550001', '+14155550002'])).rejects.toBeInstanceOf(NotRecordedError);
    store.failCreateAfter = 0;
    await expect(ingest(['+14155550001'], { sendAt: NOW + 2 * 3600_000 })).rejects.toBeInstanceOf(
      NotRecordedError,
    );
    expect(store.notifications.size).toBe(0);
    expect(queue.messages).toHaveLength(0);
    expect(scheduler.schedules.size).toBe(0);
  });

  it('hands a far-off send to the scheduler and enqueues nothing now', async () => {
    const { store, queue, scheduler, ingest } = world();
    const sendAt = NOW + 2 * 3600_000;
    const accepted = await ingest(['+14155550001'], { sendAt });
    expect(accepted.status).toBe('scheduled');
    expect(scheduler.schedules.get('herald-n1')).toBe(sendAt);
    expect(queue.messages).toHaveLength(0);
    expect(store.delivery('n1', 'sms#0')?.status).toBe('scheduled');
  });

  it('records scheduled deliveries failed when the schedule cannot be created', async () => {
    const { store, scheduler, ingest } = world();
    scheduler.fail = true;
    await expect(ingest(['+14155550001'], { sendAt: NOW + 2 * 3600_000 })).rejects.toBeInstanceOf(
      EnqueueError,
    );
    expect(store.delivery('n1', 'sms#0')?.lastError).toMatch(/^not scheduled/);
  });

  it('refuses a far-off send without a scheduler, at the sendAt path, before writing', async () => {
    const store = new InMemoryRepository();
    const queue = new InMemoryQueue();
    const error = await ingestNotification(
      { store, queue },
      smsRequest(['+14155550001'], { sendAt: NOW + 2 * 3600_000 }),
      { id: 'n1', tenantId: 'acme', now: NOW },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).errors.map((e) => e.path)).toEqual(['sendAt']);
    expect(store.notifications.size).toBe(0);
  });

  it('holds a send due within 15 minutes back as a queue delay', async () => {
    const { queue, ingest } = world();
    await ingest(['+14155550001'], { sendAt: NOW + 120_000 });
    expect(queue.messages[0]?.delaySeconds).toBe(120);
  });
});
