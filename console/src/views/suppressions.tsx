import { useState } from 'preact/hooks';
import { CHANNELS, type Channel, can } from '../api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  Pager,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

export function SuppressionsView() {
  return (
    <section aria-labelledby="suppressions-title">
      <h2 id="suppressions-title">Suppressions</h2>
      <p class="hint">
        Recipients on this list get no message; their deliveries are recorded suppressed.
      </p>
      <NeedsKey>
        <Suppressions />
      </NeedsKey>
    </section>
  );
}

function Suppressions() {
  const { api, scopes } = useSession();
  const [cursors, setCursors] = useState<string[]>([]);
  const [channel, setChannel] = useState<Channel>('email');
  const [recipient, setRecipient] = useState('');
  const [reason, setReason] = useState('');
  const [flash, setFlash] = useFlash();
  const allowed = can(scopes, 'read');
  const admin = can(scopes, 'admin');
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(allowed ? () => api.listSuppressions(cursor) : undefined, [api, cursor]);
  if (!allowed) return <NotAllowed scope="read" />;

  const act = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      setFlash(what);
      loaded.reload();
    } catch (error) {
      setFlash(`Failed: ${describeError(error)}`);
    }
  };

  return (
    <>
      {admin ? (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const value = recipient.trim();
            if (!value) return;
            void act(`Suppressed ${value} on ${channel}.`, () =>
              api.addSuppression({
                channel,
                recipient: value,
                ...(reason.trim() ? { reason: reason.trim() } : {}),
              }),
            );
            setRecipient('');
            setReason('');
          }}
        >
          <label>
            Channel
            <select value={channel} onChange={(e) => setChannel(e.currentTarget.value as Channel)}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Recipient
            <input
              type="text"
              value={recipient}
              onInput={(e) => setRecipient(e.currentTarget.value)}
            />
          </label>
          <label>
            Reason
            <input type="text" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button type="submit">Add suppression</button>
        </form>
      ) : null}
      {flash}
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        loaded.data.items.length === 0 ? (
          <p class="hint empty">No suppressed recipients.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Suppressed recipients</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Recipient</th>
                <th scope="col">Reason</th>
                <th scope="col">Since</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((s) => (
                <tr key={`${s.channel}:${s.recipient}`}>
                  <td>{s.channel}</td>
                  <td class="mono">{s.recipient}</td>
                  <td>{s.reason ?? ''}</td>
                  <td>{formatTime(s.createdAt)}</td>
                  <td>
                    {admin ? (
                      <button
                        type="button"
                        aria-label={`Remove ${s.recipient} on ${s.channel}`}
                        onClick={() =>
                          act(`Removed ${s.recipient}.`, () =>
                            api.removeSuppression(s.channel, s.recipient),
                          )
                        }
                      >
                        Remove
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <Pager cursors={cursors} nextCursor={loaded.data?.nextCursor} onChange={setCursors} />
    </>
  );
}
