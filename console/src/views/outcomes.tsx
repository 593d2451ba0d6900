import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { CHANNELS, type Channel, can, type NotificationSummary } from '../api';
import { ErrorNote, NeedsKey, NotAllowed, useLoad, useSession } from '../ui';

const WINDOWS = { hour: 60 * 60 * 1000, day: 24 * 60 * 60 * 1000 } as const;
type Window = keyof typeof WINDOWS;
/** Enough for an operator's glance; the chart says when it stopped short. */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;
const OUTCOMES = ['delivered', 'failed', 'in flight'] as const;
type Outcome = (typeof OUTCOMES)[number];
const FAILED = ['failed', 'bounced', 'complained', 'undelivered', 'suppressed'];
const DELIVERED = ['delivered', 'sent'];

function outcomeOf(status: string): Outcome | undefined {
  if (DELIVERED.includes(status)) return 'delivered';
  if (FAILED.includes(status)) return 'failed';
  if (status === 'cancelled') return undefined;
  return 'in flight';
}

type Counts = Record<Outcome, number>;
type Tally = Record<Channel, Counts>;

const zero = (): Counts => ({ delivered: 0, failed: 0, 'in flight': 0 });

/**
 * Per channel and outcome, from the list summaries: per-delivery or per-channel detail when a
 * summary has it, else its status counts when it used one channel. `all` counts every delivery.
 */
export function tally(items: NotificationSummary[]): {
  counts: Tally;
  all: Counts;
  unattributed: number;
} {
  const counts = Object.fromEntries(CHANNELS.map((c) => [c, zero()])) as Tally;
  const all = zero();
  let unattributed = 0;
  const add = (channel: Channel | undefined, status: string, n = 1) => {
    const outcome = outcomeOf(status);
    if (!outcome) return;
    all[outcome] += n;
    if (channel && counts[channel]) counts[channel][outcome] += n;
  };
  for (const item of items) {
    if (Array.isArray(item.deliveries)) {
      for (const d of item.deliveries) add(d.channel, d.status);
    } else if (item.byChannel) {
      for (const [channel, byStatus] of Object.entries(item.byChannel)) {
        for (const [status, n] of Object.entries(byStatus ?? {}))
          add(channel as Channel, status, n);
      }
    } else {
      const only = item.channels?.length === 1 ? item.channels[0] : undefined;
      for (const [status, n] of Object.entries(item.counts ?? {})) add(only, status, n);
      if (!only) unattributed += 1;
    }
  }
  return { counts, all, unattributed };
}

export function OutcomesView() {
  return (
    <section aria-labelledby="outcomes-title">
      <h2 id="outcomes-title">Outcomes per channel</h2>
      <NeedsKey>
        <Outcomes />
      </NeedsKey>
    </section>
  );
}

function Outcomes() {
  const { api, scopes } = useSession();
  const [window, setWindow] = useState<Window>('hour');
  const allowed = can(scopes, 'read');
  const loaded = useLoad(
    allowed
      ? async () => {
          const from = new Date(Date.now() - WINDOWS[window]).toISOString();
          const items: NotificationSummary[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await api.listNotifications({
              from,
              limit: PAGE_SIZE,
              ...(cursor ? { cursor } : {}),
            });
            items.push(...page.items);
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor && pages < MAX_PAGES);
          return { ...tally(items), notifications: items.length, truncated: cursor !== undefined };
        }
      : undefined,
    [api, window],
    30_000,
  );
  if (!allowed) return <NotAllowed scope="read" />;
  const data = loaded.data;

  return (
    <>
      <fieldset class="inline-form">
        <legend>Window</legend>
        {(Object.keys(WINDOWS) as Window[]).map((w) => (
          <label key={w} class="inline">
            <input
              type="radio"
              name="window"
              checked={window === w}
              onChange={() => setWindow(w)}
            />
            last {w}
          </label>
        ))}
      </fieldset>
      <ErrorNote error={loaded.error} />
      {data ? (
        <>
          <p class="hint">
            {data.notifications} notification{data.notifications === 1 ? '' : 's'} in the last{' '}
            {window}
            {data.truncated ? ` (first ${MAX_PAGES * PAGE_SIZE} only)` : ''}
            {data.unattributed > 0
              ? `; ${data.unattributed} used several channels and count only under "all channels"`
              : ''}
            .
          </p>
          <Chart counts={data.counts} />
          <table>
            <caption>Deliveries by outcome, last {window}</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                {OUTCOMES.map((o) => (
                  <th scope="col" key={o}>
                    {o}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {CHANNELS.map((c) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  {OUTCOMES.map((o) => (
                    <td key={o}>{data.counts[c][o]}</td>
                  ))}
                </tr>
              ))}
              <tr class="total">
                <th scope="row">all channels</th>
                {OUTCOMES.map((o) => (
                  <td key={o}>{data.all[o]}</td>
                ))}
              </tr>
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}

const COLOURS: Record<Outcome, string> = {
  delivered: '#1f7a3f',
  failed: '#b3261e',
  'in flight': '#7a6a00',
};

/** Grouped bars drawn by uPlot; the table under it carries the same numbers for screen readers. */
function Chart({ counts }: { counts: Tally }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    // One slot per channel and outcome, a gap slot between channels: each series fills its slots.
    const slot = OUTCOMES.length + 1;
    const xs = CHANNELS.flatMap((_, c) => OUTCOMES.map((_o, k) => c * slot + k));
    const series = OUTCOMES.map((o, k) =>
      CHANNELS.flatMap((c) => OUTCOMES.map((_o, j) => (j === k ? counts[c][o] : null))),
    );
    const bars = uPlot.paths.bars?.({ size: [0.9, 40] });
    const plot = new uPlot(
      {
        width: Math.min(el.clientWidth || 640, 900),
        height: 260,
        legend: { show: false },
        scales: { x: { time: false, range: [-1, CHANNELS.length * slot - 1] } },
        axes: [
          {
            splits: () => CHANNELS.map((_, c) => c * slot + (OUTCOMES.length - 1) / 2),
            values: (_u, splits) => splits.map((x) => CHANNELS[Math.round(x / slot)] ?? ''),
          },
          {},
        ],
        series: [
          {},
          ...OUTCOMES.map((o) => ({
            label: o,
            stroke: COLOURS[o],
            fill: COLOURS[o],
            ...(bars ? { paths: bars } : {}),
            points: { show: false },
          })),
        ],
      },
      [xs, ...series],
      el,
    );
    return () => plot.destroy();
  }, [counts]);
  return (
    <figure class="chart-figure">
      <div
        class="chart"
        ref={host}
        role="img"
        aria-label="Bar chart of deliveries by outcome per channel; the table below has the numbers"
      />
      <figcaption class="legend">
        {OUTCOMES.map((o) => (
          <span key={o}>
            <span class={`swatch swatch-${o.replace(' ', '-')}`} aria-hidden="true" /> {o}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
