import { useMemo, useState } from 'preact/hooks';
import { CHANNELS, type Channel, can } from '../api';
import { addressRows, recipientApi } from '../recipient-api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  Pager,
  StatusChip,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

/** #/recipients: find recipients by id, email or phone prefix; the tenant's categories. */
export function RecipientsView() {
  return (
    <section aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      <p class="hint">
        Profiles your notifications can be sent to by id. Search by the start of an id, an email
        address or a phone number (+…).
      </p>
      <NeedsKey>
        <RecipientSearch />
        <Categories />
      </NeedsKey>
    </section>
  );
}

function RecipientSearch() {
  const { api, scopes } = useSession();
  const recipients = useMemo(() => recipientApi(api), [api]);
  const [query, setQuery] = useState('');
  const [q, setQ] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const allowed = can(scopes, 'read');
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(allowed ? () => recipients.search(q, cursor) : undefined, [
    recipients,
    q,
    cursor,
  ]);
  if (!allowed) return <NotAllowed scope="read" />;
  return (
    <>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setCursors([]);
          setQ(query.trim());
        }}
      >
        <label>
          Search
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        loaded.data.items.length === 0 ? (
          <p class="hint empty">No recipients{q ? ` match “${q}”` : ''}.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Recipients</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Addresses</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((p) => {
                const rows = addressRows(p);
                const unhealthy = rows.filter((r) => r.status !== 'ok').length;
                return (
                  <tr key={p.id}>
                    <td class="mono">
                      <a href={`#/recipients/${encodeURIComponent(p.id)}`}>{p.id}</a>
                    </td>
                    <td>{p.name ?? ''}</td>
                    <td>
                      {rows.length}{' '}
                      {unhealthy > 0 ? <StatusChip status={`${unhealthy}_unhealthy`} /> : null}
                    </td>
                    <td>{formatTime(p.updatedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )
      ) : null}
      <Pager cursors={cursors} nextCursor={loaded.data?.nextCursor} onChange={setCursors} />
    </>
  );
}

function Categories() {
  const { api, scopes } = useSession();
  const recipients = useMemo(() => recipientApi(api), [api]);
  const loaded = useLoad(can(scopes, 'read') ? () => recipients.categories() : undefined, [
    recipients,
  ]);
  const [flash, setFlash] = useFlash();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [critical, setCritical] = useState(false);
  const [off, setOff] = useState<Channel[]>([]);
  const admin = can(scopes, 'admin');
  return (
    <section aria-labelledby="categories-title">
      <h3 id="categories-title">Categories</h3>
      <p class="hint">
        What a message is about. Defaults say which channels a category uses when the recipient has
        said nothing; critical ones pass opt-outs (never a dead address).
      </p>
      <ErrorNote error={loaded.error} />
      {loaded.data && loaded.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Categories</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Name</th>
              <th scope="col">Critical</th>
              <th scope="col">Off by default</th>
            </tr>
          </thead>
          <tbody>
            {loaded.data.items.map((c) => (
              <tr key={c.key}>
                <td class="mono">{c.key}</td>
                <td>{c.name}</td>
                <td>{c.critical ? 'yes' : 'no'}</td>
                <td>{CHANNELS.filter((ch) => c.defaults[ch] === false).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : loaded.data ? (
        <p class="hint empty">No categories yet.</p>
      ) : null}
      {admin ? (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const defaults = Object.fromEntries(off.map((c) => [c, false]));
            recipients.putCategory(key.trim(), { name: name.trim(), critical, defaults }).then(
              () => {
                setFlash(`Saved category ${key.trim()}.`);
                loaded.reload();
              },
              (error: unknown) => setFlash(`Failed: ${describeError(error)}`),
            );
          }}
        >
          <label>
            Key
            <input
              type="text"
              required
              value={key}
              onInput={(e) => setKey(e.currentTarget.value)}
            />
          </label>
          <label>
            Name
            <input
              type="text"
              required
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <label class="inline">
            <input
              type="checkbox"
              checked={critical}
              onChange={(e) => setCritical(e.currentTarget.checked)}
            />
            Critical
          </label>
          <fieldset>
            <legend>Off by default</legend>
            {CHANNELS.map((c) => (
              <label key={c} class="inline">
                <input
                  type="checkbox"
                  checked={off.includes(c)}
                  onChange={(e) =>
                    setOff(e.currentTarget.checked ? [...off, c] : off.filter((x) => x !== c))
                  }
                />
                {c}
              </label>
            ))}
          </fieldset>
          <button type="submit">Save category</button>
        </form>
      ) : null}
      {flash}
    </section>
  );
}
