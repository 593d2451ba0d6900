import { useState } from 'preact/hooks';
import {
  AGGREGATE_STATUSES,
  CHANNELS,
  can,
  type ListFilters,
  type NotificationSummary,
} from '../api';
import {
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  Pager,
  StatusChip,
  useLoad,
  useSession,
} from '../ui';

const REFRESH_MS = 5000;

/** `datetime-local` values are local wall time; the API wants ISO-8601 with an offset. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function NotificationsView() {
  return (
    <section aria-labelledby="notifications-title">
      <h2 id="notifications-title">Notifications</h2>
      <NeedsKey>
        <OpenById />
        <NotificationList />
      </NeedsKey>
    </section>
  );
}

function NotificationList() {
  const { api, scopes } = useSession();
  const [draft, setDraft] = useState<ListFilters>({});
  const [filters, setFilters] = useState<ListFilters>({});
  // Cursors of the pages before the current one, so "Previous" works with an opaque cursor.
  const [cursors, setCursors] = useState<string[]>([]);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const cursor = cursors[cursors.length - 1];
  const allowed = can(scopes, 'read');
  const page = useLoad(
    allowed
      ? () => api.listNotifications({ ...filters, ...(cursor ? { cursor } : {}) })
      : undefined,
    [api, filters, cursor],
    autoRefresh ? REFRESH_MS : undefined,
  );
  if (!allowed) return <NotAllowed scope="read" />;

  const field = (name: keyof ListFilters) => ({
    value: (draft[name] as string | undefined) ?? '',
    onInput: (event: Event) =>
      setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value }),
  });

  return (
    <>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          const from = localToIso(draft.from ?? '');
          const to = localToIso(draft.to ?? '');
          setFilters({
            ...draft,
            ...(from ? { from } : { from: undefined }),
            ...(to ? { to } : { to: undefined }),
          });
          setCursors([]);
        }}
      >
        <label>
          Status
          <select {...field('status')}>
            <option value="">any</option>
            {AGGREGATE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select {...field('channel')}>
            <option value="">any</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} />
        </label>
        <label>
          Metadata key
          <input type="text" {...field('metadataKey')} />
        </label>
        <label>
          Metadata value
          <input type="text" {...field('metadataValue')} />
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <p class="toolbar">
        <label class="inline">
          <input
            type="checkbox"
            checked={autoRefresh}
            onChange={(event) => setAutoRefresh(event.currentTarget.checked)}
          />
          Refresh every {REFRESH_MS / 1000} s
        </label>
        <button type="button" onClick={page.reload}>
          Refresh now
        </button>
        <a href="#/compose">Compose a notification</a>
      </p>
      <ErrorNote error={page.error} />
      {page.data ? <SummaryTable items={page.data.items} /> : null}
      <Pager cursors={cursors} nextCursor={page.data?.nextCursor} onChange={setCursors} />
    </>
  );
}

/** Works without the list endpoint: a notification's id is what POST answered. */
function OpenById() {
  const [id, setId] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (id.trim()) location.hash = `#/notifications/${encodeURIComponent(id.trim())}`;
      }}
    >
      <label for="open-id">Notification id</label>
      <input id="open-id" type="text" value={id} onInput={(e) => setId(e.currentTarget.value)} />
      <button type="submit">Open</button>
    </form>
  );
}

function channelsOf(item: NotificationSummary): string {
  if (item.channels) return item.channels.join(', ');
  if (item.byChannel) return Object.keys(item.byChannel).join(', ');
  if (Array.isArray(item.deliveries)) {
    return [...new Set(item.deliveries.map((d) => d.channel))].join(', ');
  }
  return '';
}

function SummaryTable({ items }: { items: NotificationSummary[] }) {
  if (items.length === 0) return <p class="hint empty">No notifications match.</p>;
  return (
    <table>
      <caption class="visually-hidden">Notifications, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">Channels</th>
          <th scope="col">Deliveries</th>
          <th scope="col">Id</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id}>
            <td>{formatTime(item.createdAt)}</td>
            <td>
              <StatusChip status={item.status} />
            </td>
            <td>{channelsOf(item)}</td>
            <td>
              {Object.entries(item.counts ?? {})
                .map(([status, n]) => `${n} ${status}`)
                .join(', ')}
            </td>
            <td>
              <a href={`#/notifications/${encodeURIComponent(item.id)}`} class="mono">
                {item.id}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
