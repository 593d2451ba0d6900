import { describe, expect, it } from 'vitest';
import type {
  DeliverySnapshot,
  DeliveryState,
  HeraldEvent,
} from '../../../../functions/core/events/model';
import {
  IngestNotCommittedError,
  publishChanges,
} from '../../../../functions/core/publishing/publish-events';

const base: DeliverySnapshot = {
  notificationId: 'n1',
  deliveryId: 'email#0',
  channel: 'email',
  recipient: 'ada@example.com',
  status: 'skipped',
  attempts: 0,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  tenantId: 't1',
  version: 1,
  metadata: {},
  history: [],
};

/** Ingest wrote a skipped delivery; what the events function sees of the notification. */
function setup(commit: 'committed' | 'pending' | 'discarded', states: DeliveryState[]) {
  const published: HeraldEvent[] = [];
  const deps = {
    states: { deliveryStates: async () => states },
    commits: { commitState: async () => commit },
    topic: { publish: async (events: readonly HeraldEvent[]) => void published.push(...events) },
    webhooks: async () => [],
    webhookQueue: { enqueue: async () => {}, deadLetter: async () => {} },
  };
  return { deps, published };
}

// A notification of two deliveries: one skipped at ingest, one still queued (its batch written).
const skippedInsert = [{ after: { ...base } }];
const bothWritten: DeliveryState[] = [
  { deliveryId: 'sms#0', status: 'queued', version: 1 },
  { deliveryId: 'email#0', status: 'skipped', version: 1 },
];

describe('publishChanges: deliveries inserted already final (skipped at ingest)', () => {
  it('publishes nothing while the ingest has not committed: the batch comes again', async () => {
    // Only the skipped item is written yet: without the commit check this read says "complete".
    const { deps, published } = setup('pending', [bothWritten[1] as DeliveryState]);
    await expect(publishChanges(deps, skippedInsert)).rejects.toBeInstanceOf(
      IngestNotCommittedError,
    );
    expect(published).toEqual([]);
  });

  it('publishes delivery.skipped once the notification is committed, and no early completion', async () => {
    const { deps, published } = setup('committed', bothWritten);
    await publishChanges(deps, skippedInsert);
    expect(published.map((e) => e.type)).toEqual(['delivery.skipped']);
  });

  it('publishes nothing for a notification whose ingest failed and took its items back', async () => {
    const { deps, published } = setup('discarded', []);
    expect(await publishChanges(deps, skippedInsert)).toEqual([]);
    expect(published).toEqual([]);
  });
});
