import { useState } from 'preact/hooks';
import type { Channel, Fault } from '../api';
import { unsubscribeLink } from '../recipient-api';
import { describeError, ErrorNote, formatTime, useFlash, useLoad, useSession } from '../ui';

/** An email's one-click unsubscribe link (List-Unsubscribe), to open its preference page. */
function UnsubscribeLink({ content }: { content: Record<string, unknown> }) {
  const href = unsubscribeLink(content);
  return href ? (
    <>
      {' '}
      <a href={href} target="_blank" rel="noreferrer">
        Open its preference page
      </a>
    </>
  ) : null;
}

const REFRESH_MS = 2000;
const OUTBOX_ROWS = 100;

export function LocalView() {
  return (
    <section aria-labelledby="local-title">
      <h2 id="local-title">Local stack</h2>
      <p class="hint">
        Only on <code>npm start</code>: these routes need no key and do not exist on a deployed
        Herald.
      </p>
      <Faults />
      <Outbox />
      <LocalDlq />
    </section>
  );
}

function Faults() {
  const { api } = useSession();
  const [flash, setFlash] = useFlash();
  const loaded = useLoad(() => api.faults(), [api]);
  const change = async (what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      setFlash(what);
    } catch (error) {
      setFlash(`Failed: ${describeError(error)}`);
    }
    loaded.reload();
  };
  return (
    <>
      <h3>Faults</h3>
      <ErrorNote error={loaded.error} />
      {flash}
      {loaded.data ? (
        <>
          <table>
            <caption class="visually-hidden">Injected faults per channel</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Outage</th>
                <th scope="col">Latency (ms)</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.map((f) => (
                <FaultRow key={f.channel} fault={f} onChange={change} />
              ))}
            </tbody>
          </table>
          <button
            type="button"
            onClick={() => change('All faults cleared.', () => api.clearFaults())}
          >
            Clear all faults
          </button>
        </>
      ) : null}
    </>
  );
}

function FaultRow(props: {
  fault: Fault;
  onChange: (what: string, call: () => Promise<unknown>) => Promise<void>;
}) {
  const { api } = useSession();
  const { channel, outage, latencyMs } = props.fault;
  const [latency, setLatency] = useState(String(latencyMs));
  const set = (body: { channel: Channel; outage?: boolean; latencyMs?: number }, what: string) =>
    props.onChange(what, () => api.setFault(body));
  return (
    <tr>
      <th scope="row">{channel}</th>
      <td>
        <label class="inline">
          <input
            type="checkbox"
            checked={outage}
            onChange={(e) =>
              set(
                { channel, outage: e.currentTarget.checked },
                `${channel} outage ${e.currentTarget.checked ? 'on' : 'off'}.`,
              )
            }
          />
          {outage ? 'down' : 'up'}
          <span class="visually-hidden"> ({channel} outage)</span>
        </label>
      </td>
      <td>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const ms = Math.max(0, Number(latency) || 0);
            void set({ channel, latencyMs: ms }, `${channel} latency ${ms} ms.`);
          }}
        >
          <label class="visually-hidden" for={`latency-${channel}`}>
            {channel} latency in milliseconds
          </label>
          <input
            id={`latency-${channel}`}
            type="number"
            min="0"
            step="100"
            value={latency}
            onInput={(e) => setLatency(e.currentTarget.value)}
          />
          <button type="submit" aria-label={`Set ${channel} latency`}>
            Set
          </button>
        </form>
      </td>
    </tr>
  );
}

function Outbox() {
  const { api } = useSession();
  const loaded = useLoad(() => api.outbox(), [api], REFRESH_MS);
  const entries = (loaded.data ?? []).slice(-OUTBOX_ROWS).reverse();
  return (
    <>
      <h3>Outbox of the fake providers</h3>
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        entries.length === 0 ? (
          <p class="hint empty">Nothing received yet.</p>
        ) : (
          <table>
            <caption>
              Newest {entries.length} of {loaded.data.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Channel</th>
                <th scope="col">Recipient</th>
                <th scope="col">Provider id</th>
                <th scope="col">Content</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.providerMessageId}>
                  <td>{formatTime(e.receivedAt)}</td>
                  <td>{e.channel}</td>
                  <td class="mono">{e.recipient}</td>
                  <td class="mono">{e.providerMessageId}</td>
                  <td class="content">
                    {JSON.stringify(e.content)}
                    <UnsubscribeLink content={e.content} />
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

function LocalDlq() {
  const { api } = useSession();
  const loaded = useLoad(() => api.localDlq(), [api], REFRESH_MS);
  const rows = Object.entries(loaded.data ?? {}).flatMap(([channel, messages]) =>
    messages.map((m) => ({ channel, ...m })),
  );
  return (
    <>
      <h3>Dead-letter queues (raw)</h3>
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        rows.length === 0 ? (
          <p class="hint empty">Every DLQ is empty.</p>
        ) : (
          <table>
            <caption>{rows.length} dead letters</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Message id</th>
                <th scope="col">Sent</th>
                <th scope="col">Receives</th>
                <th scope="col">Body</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.messageId}>
                  <td>{m.channel}</td>
                  <td class="mono">{m.messageId}</td>
                  <td>{formatTime(m.sentAt)}</td>
                  <td>{m.receiveCount ?? ''}</td>
                  <td class="content">{m.body}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </>
  );
}
