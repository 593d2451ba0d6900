import { describe, expect, it } from 'vitest';
import type {
  DeliverySnapshot,
  DeliveryState,
  HeraldEvent,
} from '../../../../functions/core/events/model';
import { publishChanges } from '../../../../functions/core/publishing/publish-events';
import { PublishedCompletions } from '../../../../functions/core/publishing/published-completions';

// One notification's deliveries in two partitions: the last change of each arrives in its own
// stream batch, and the two batches' completion checks both find every delivery final.

const snapshot = (deliveryId: string): DeliverySnapshot => ({
  notificationId: 'n1',
  deliveryId,
  channel: 'email',
  recipient: 'ada@example.com',
  status: 'sent',
  attempts: 1,
  createdAt: '2026-12-07T00:00:00.000Z',
  updatedAt: '2026-12-07T00:00:01.000Z',
  tenantId: 't1',
  version: 3,
  metadata: {},
  history: [],
});
const change = (deliveryId: string) => [
  {
    before: { ...snapshot(deliveryId), status: 'sending' as const, version: 2 },
    after: snapshot(deliveryId),
  },
];
const allSent: DeliveryState[] = [
  { deliveryId: 'email#0', status: 'sent', version: 3 },
  { deliveryId: 'email#1.250', status: 'sent', version: 3 },
];

function setup(failPublishes = 0) {
  const published: HeraldEvent[] = [];
  let failures = failPublishes;
  const deps = {
    states: { deliveryStates: async () => allSent },
    commits: { commitState: async () => 'committed' as const },
    topic: {
      publish: async (events: readonly HeraldEvent[]) => {
        // Both batches are in their check before either publishes.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failures-- > 0) throw new Error('SNS unavailable');
        published.push(...events);
      },
    },
    webhooks: async () => [],
    webhookQueue: { enqueue: async () => {}, deadLetter: async () => {} },
    published: new PublishedCompletions(),
  };
  const completions = () => published.filter((e) => e.type === 'notification.completed');
  return { deps, completions };
}

describe('notification.completed from batches that run side by side', () => {
  it('is published once by this container, whichever batch checks first', async () => {
    const { deps, completions } = setup();
    await Promise.all([
      publishChanges(deps, change('email#0')),
      publishChanges(deps, change('email#1.250')),
    ]);
    expect(completions()).toHaveLength(1);
    // A later batch (a retry, another late change) finds it published.
    await publishChanges(deps, change('email#0'));
    expect(completions()).toHaveLength(1);
  });

  it('is published when the batch that took it failed and comes again', async () => {
    const { deps, completions } = setup(1);
    await expect(publishChanges(deps, change('email#0'))).rejects.toThrow('SNS unavailable');
    await publishChanges(deps, change('email#0'));
    expect(completions()).toHaveLength(1);
  });

  it('without the memory, each batch publishes it (the same id)', async () => {
    const { deps, completions } = setup();
    const { published: _, ...without } = deps;
    await Promise.all([
      publishChanges(without, change('email#0')),
      publishChanges(without, change('email#1.250')),
    ]);
    expect(completions()).toHaveLength(2);
    expect(new Set(completions().map((e) => e.id)).size).toBe(1);
  });
});
