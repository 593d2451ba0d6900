import { useState } from 'preact/hooks';
import { CHANNELS, type Channel, can } from '../api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

const REFRESH_MS = 3000;

export function DlqView() {
  return (
    <section aria-labelledby="dlq-title">
      <h2 id="dlq-title">Dead-letter queues</h2>
      <NeedsKey>
        <Dlq />
      </NeedsKey>
    </section>
  );
}

function Dlq() {
  const { api, scopes } = useSession();
  const [channel, setChannel] = useState<Channel>('email');
  const [flash, setFlash] = useFlash();
  const [busy, setBusy] = useState(false);
  const allowed = can(scopes, 'admin');
  const loaded = useLoad(
    allowed ? () => api.listDlq(channel) : undefined,
    [api, channel],
    REFRESH_MS,
  );
  if (!allowed) return <NotAllowed scope="admin" />;

  const replay = async (notificationId?: string) => {
    setBusy(true);
    try {
      const result = await api.replayDlq({
        channel,
        ...(notificationId ? { notificationId } : {}),
      });
      setFlash(
        `Replayed ${result.replayed}, skipped ${result.skipped}${result.kept ? `, kept ${result.kept}` : ''}.`,
      );
      loaded.reload();
    } catch (error) {
      setFlash(`Replay failed: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const messages = loaded.data?.messages ?? [];

  return (
    <>
      <div class="toolbar">
        <label>
          Channel
          <select
            value={channel}
            onChange={(event) => setChannel(event.currentTarget.value as Channel)}
          >
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={busy || messages.length === 0} onClick={() => replay()}>
          Replay all {channel} messages
        </button>
      </div>
      {flash}
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        messages.length === 0 ? (
          <p class="hint empty">The {channel} DLQ is empty.</p>
        ) : (
          <table>
            <caption>
              {messages.length} message{messages.length === 1 ? '' : 's'} in the {channel} DLQ
            </caption>
            <thead>
              <tr>
                <th scope="col">Notification</th>
                <th scope="col">Delivery</th>
                <th scope="col">Sent</th>
                <th scope="col">Receives</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr key={m.messageId}>
                  <td>
                    {m.notificationId ? (
                      <a
                        href={`#/notifications/${encodeURIComponent(m.notificationId)}`}
                        class="mono"
                      >
                        {m.notificationId}
                      </a>
                    ) : (
                      <span class="mono">{m.messageId}</span>
                    )}
                  </td>
                  <td class="mono">{m.deliveryId ?? ''}</td>
                  <td>{formatTime(m.sentAt)}</td>
                  <td>{m.receiveCount ?? ''}</td>
                  <td>
                    {m.notificationId ? (
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() => replay(m.notificationId)}
                        aria-label={`Replay notification ${m.notificationId}`}
                      >
                        Replay
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </>
  );
}
