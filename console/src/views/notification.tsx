import { useState } from 'preact/hooks';
import { can, type Delivery, FINAL_STATUSES, type NotificationDetail } from '../api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  StatusChip,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

const REFRESH_MS = 1000;
/** Nothing moves before sendAt but a cancel; no need to ask every second. */
const SCHEDULED_REFRESH_MS = 15_000;

/** Deliveries still able to move; `sent` is final only for push and MQTT. */
function settled(n: NotificationDetail): boolean {
  return n.deliveries.every(
    (d) =>
      FINAL_STATUSES.includes(d.status) ||
      (d.status === 'sent' && (d.channel === 'push' || d.channel === 'mqtt')),
  );
}

export function NotificationView({ id }: { id: string }) {
  return (
    <section aria-labelledby="notification-title">
      <p>
        <a href="#/notifications">← All notifications</a>
      </p>
      <h2 id="notification-title">
        Notification <span class="mono">{id}</span>
      </h2>
      <NeedsKey>
        <Detail id={id} />
      </NeedsKey>
    </section>
  );
}

function Detail({ id }: { id: string }) {
  const { api, scopes } = useSession();
  const [done, setDone] = useState(false);
  const [waiting, setWaiting] = useState(false);
  const [flash, setFlash] = useFlash();
  const [cancelling, setCancelling] = useState(false);
  // Poll until nothing can change any more; a cancel or a replay restarts polling.
  const loaded = useLoad(
    async () => {
      const n = await api.getNotification(id);
      setDone(settled(n));
      setWaiting(n.deliveries.every((d) => d.status === 'scheduled'));
      return n;
    },
    [api, id],
    done ? undefined : waiting ? SCHEDULED_REFRESH_MS : REFRESH_MS,
  );
  const n = loaded.data;
  const cancellable = n?.deliveries.some((d) => d.status === 'scheduled' || d.status === 'queued');

  return (
    <>
      <ErrorNote error={loaded.error} />
      {n ? (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusChip status={n.status} />
              {done ? null : <span class="hint"> (updating)</span>}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(n.createdAt)}</dd>
            {n.sendAt ? (
              <>
                <dt>Send at</dt>
                <dd>{formatTime(n.sendAt)}</dd>
              </>
            ) : null}
            <dt>Priority</dt>
            <dd>{n.priority ?? 'normal'}</dd>
            {n.metadata && Object.keys(n.metadata).length > 0 ? (
              <>
                <dt>Metadata</dt>
                <dd class="mono">
                  {Object.entries(n.metadata)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')}
                </dd>
              </>
            ) : null}
          </dl>
          {can(scopes, 'send') && cancellable ? (
            <button
              type="button"
              class="danger"
              disabled={cancelling}
              onClick={async () => {
                setCancelling(true);
                try {
                  const result = await api.cancelNotification(id);
                  setFlash(
                    `Cancelled ${result.cancelled} ${result.cancelled === 1 ? 'delivery' : 'deliveries'}.`,
                  );
                  setDone(false);
                  loaded.reload();
                } catch (error) {
                  setFlash(`Cancel failed: ${describeError(error)}`);
                } finally {
                  setCancelling(false);
                }
              }}
            >
              Cancel notification
            </button>
          ) : null}
          {flash}
          <h3>Deliveries</h3>
          <ul class="deliveries">
            {n.deliveries.map((d) => (
              <DeliveryCard key={d.id} delivery={d} />
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function DeliveryCard({ delivery: d }: { delivery: Delivery }) {
  return (
    <li class="delivery" data-delivery={d.id}>
      <div class="delivery-head">
        <strong>{d.channel}</strong> <span class="mono">{d.recipient}</span>{' '}
        <StatusChip status={d.status} />
      </div>
      <dl class="facts">
        <dt>Attempts</dt>
        <dd>{d.attempts}</dd>
        {d.providerMessageId ? (
          <>
            <dt>Provider id</dt>
            <dd class="mono">{d.providerMessageId}</dd>
          </>
        ) : null}
        {d.lastError ? (
          <>
            <dt>Last error</dt>
            <dd class="error-text">{d.lastError}</dd>
          </>
        ) : null}
        {d.updatedAt ? (
          <>
            <dt>Updated</dt>
            <dd>{formatTime(d.updatedAt)}</dd>
          </>
        ) : null}
        <dt>Delivery id</dt>
        <dd class="mono">{d.id}</dd>
      </dl>
      {d.history && d.history.length > 0 ? (
        <table class="history">
          <caption>Attempt history</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">At</th>
              <th scope="col">Outcome</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {d.history.map((h) => (
              <tr key={`${h.attempt}-${h.at}`}>
                <td>{h.attempt}</td>
                <td>{formatTime(h.at)}</td>
                <td>{h.outcome}</td>
                <td>{h.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </li>
  );
}
