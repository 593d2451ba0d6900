import { useMemo } from 'preact/hooks';
import { type Api, can, type NotificationDetail } from '../api';
import { addressRows, recipientApi } from '../recipient-api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  StatusChip,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

/** How many of the tenant's latest notifications "recent deliveries" looks through. */
const RECENT_NOTIFICATIONS = 20;

type RecentDelivery = {
  notificationId: string;
  createdAt: string;
  id: string;
  channel: string;
  recipient: string;
  status: string;
  skipReason?: string;
};

/**
 * A recipient's deliveries among the tenant's latest notifications: Herald keeps no index of
 * deliveries by recipient, so this reads the last RECENT_NOTIFICATIONS notifications.
 */
async function recentDeliveries(api: Api, recipientId: string): Promise<RecentDelivery[]> {
  const page = await api.listNotifications({ limit: RECENT_NOTIFICATIONS });
  const details = await Promise.all(page.items.map((n) => api.getNotification(n.id)));
  return details.flatMap((n: NotificationDetail) =>
    (
      n.deliveries as (NotificationDetail['deliveries'][number] & {
        recipientId?: string;
        skipReason?: string;
      })[]
    )
      .filter((d) => d.recipientId === recipientId)
      .map((d) => ({
        notificationId: n.id,
        createdAt: n.createdAt,
        id: d.id,
        channel: d.channel,
        recipient: d.recipient,
        status: d.status,
        ...(d.skipReason && { skipReason: d.skipReason }),
      })),
  );
}

/** #/recipients/<id>: the profile, its addresses with their health, preferences, deliveries. */
export function RecipientView({ id }: { id: string }) {
  return (
    <section aria-labelledby="recipient-title">
      <p>
        <a href="#/recipients">← Recipients</a>
      </p>
      <h2 id="recipient-title">
        Recipient <span class="mono">{id}</span>
      </h2>
      <NeedsKey>
        <Recipient id={id} />
      </NeedsKey>
    </section>
  );
}

function Recipient({ id }: { id: string }) {
  const { api, scopes } = useSession();
  const recipients = useMemo(() => recipientApi(api), [api]);
  const allowed = can(scopes, 'read');
  const profile = useLoad(allowed ? () => recipients.get(id) : undefined, [recipients, id]);
  const prefs = useLoad(allowed ? () => recipients.preferences(id) : undefined, [recipients, id]);
  const recent = useLoad(allowed ? () => recentDeliveries(api, id) : undefined, [api, id]);
  const [flash, setFlash] = useFlash();
  if (!allowed) return <NotAllowed scope="read" />;
  const p = profile.data;
  const effective = prefs.data?.effective ?? {};
  const channels = [...new Set(Object.values(effective).flatMap((row) => Object.keys(row)))];
  return (
    <>
      <ErrorNote error={profile.error} />
      {flash}
      {p ? (
        <>
          <dl class="facts">
            <dt>Name</dt>
            <dd>{p.name ?? '—'}</dd>
            <dt>Time zone</dt>
            <dd>{p.timezone ?? '—'}</dd>
            <dt>Locale</dt>
            <dd>{p.locale ?? '—'}</dd>
            <dt>Updated</dt>
            <dd>
              {formatTime(p.updatedAt)} (version {p.version})
            </dd>
            {p.lastUnsubscribe ? (
              <>
                <dt>Last unsubscribe</dt>
                <dd>
                  {formatTime(p.lastUnsubscribe.at)} via {p.lastUnsubscribe.source}
                  {p.lastUnsubscribe.category ? ` (${p.lastUnsubscribe.category})` : ''}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>Addresses</h3>
          <table>
            <caption class="visually-hidden">Addresses and their health</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Address</th>
                <th scope="col">Health</th>
                <th scope="col">Since</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {addressRows(p).map((a) => (
                <tr key={`${a.kind}:${a.value}`}>
                  <td>{a.kind}</td>
                  <td class="mono">{a.value}</td>
                  <td>
                    <StatusChip status={a.status} /> {a.note ?? ''}
                  </td>
                  <td>{formatTime(a.since)}</td>
                  <td class="mono">{a.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {can(scopes, 'admin') ? (
            <button
              type="button"
              onClick={() =>
                recipients.erase(id).then(
                  () => {
                    location.hash = '#/recipients';
                  },
                  (error: unknown) => setFlash(`Failed: ${describeError(error)}`),
                )
              }
            >
              Erase this recipient
            </button>
          ) : null}
        </>
      ) : null}
      <h3>Preferences</h3>
      <ErrorNote error={prefs.error} />
      {prefs.data ? (
        <>
          <p class="hint">
            Channels off:{' '}
            {Object.entries(prefs.data.preferences.channels ?? {})
              .filter(([, on]) => on === false)
              .map(([c]) => c)
              .join(', ') || 'none'}
          </p>
          {channels.length > 0 && Object.keys(effective).length > 0 ? (
            <table>
              <caption>What each category reaches</caption>
              <thead>
                <tr>
                  <th scope="col">Category</th>
                  {channels.map((c) => (
                    <th scope="col" key={c}>
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Object.entries(effective).map(([category, row]) => (
                  <tr key={category}>
                    <th scope="row" class="mono">
                      {category}
                    </th>
                    {channels.map((c) => (
                      <td key={c}>{row[c] ? 'yes' : 'no'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
      <h3>Recent deliveries</h3>
      <p class="hint">Among the tenant’s last {RECENT_NOTIFICATIONS} notifications.</p>
      <ErrorNote error={recent.error} />
      {recent.data ? (
        recent.data.length === 0 ? (
          <p class="hint empty">None.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Recent deliveries</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Delivery</th>
                <th scope="col">To</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {recent.data.map((d) => (
                <tr key={`${d.notificationId}:${d.id}`}>
                  <td>{formatTime(d.createdAt)}</td>
                  <td class="mono">
                    <a href={`#/notifications/${encodeURIComponent(d.notificationId)}`}>{d.id}</a>
                  </td>
                  <td class="mono">{d.recipient}</td>
                  <td>
                    <StatusChip status={d.status} /> {d.skipReason ?? ''}
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
