import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { can } from '../api';
import {
  describeError,
  ErrorNote,
  NeedsKey,
  NotAllowed,
  Pager,
  useFlash,
  useLoad,
  useSession,
} from '../ui';
import { topicApi } from './topics-api';
import { TopicSendForm } from './topics-send';

/** #/topics/<key>: its subscribers (paged, counted, added, removed) and a send to it. */
export function TopicView({ topicKey }: { topicKey: string }) {
  return (
    <section aria-labelledby="topic-title">
      <p>
        <a href="#/topics">← Topics</a>
      </p>
      <h2 id="topic-title">
        Topic <span class="mono">{topicKey}</span>
      </h2>
      <NeedsKey>
        <TopicSendForm topicKey={topicKey} />
        <Subscribers topicKey={topicKey} />
      </NeedsKey>
    </section>
  );
}

function Subscribers({ topicKey }: { topicKey: string }) {
  const { api, scopes } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [cursors, setCursors] = useState<string[]>([]);
  const [flash, setFlash] = useFlash();
  const allowed = can(scopes, 'read');
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(allowed ? () => topics.subscribers(topicKey, cursor) : undefined, [
    topics,
    topicKey,
    cursor,
  ]);
  if (!allowed) return <NotAllowed scope="read" />;
  const send = can(scopes, 'send');
  const single = cursors.length === 0 && loaded.data && !loaded.data.nextCursor;
  return (
    <section aria-labelledby="subscribers-title">
      <h3 id="subscribers-title">Subscribers</h3>
      <ErrorNote error={loaded.error} />
      {single && loaded.data ? (
        <p>
          <strong>{loaded.data.items.length.toLocaleString()}</strong>{' '}
          {loaded.data.items.length === 1 ? 'subscriber' : 'subscribers'}
        </p>
      ) : loaded.data ? (
        <Count topicKey={topicKey} />
      ) : null}
      {send ? (
        <AddSubscribers
          topicKey={topicKey}
          onDone={(message) => {
            setFlash(message);
            loaded.reload();
          }}
        />
      ) : null}
      {flash}
      {loaded.data && loaded.data.items.length > 0 ? (
        <table>
          <caption class="visually-hidden">Subscribers of {topicKey}</caption>
          <thead>
            <tr>
              <th scope="col">Recipient</th>
              {send ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {loaded.data.items.map((id) => (
              <tr key={id}>
                <td class="mono">
                  <a href={`#/recipients/${encodeURIComponent(id)}`}>{id}</a>
                </td>
                {send ? (
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove ${id}`}
                      onClick={() =>
                        topics.unsubscribe(topicKey, id).then(
                          () => {
                            setFlash(`Removed ${id}.`);
                            loaded.reload();
                          },
                          (error: unknown) => setFlash(`Failed: ${describeError(error)}`),
                        )
                      }
                    >
                      Remove
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : loaded.data ? (
        <p class="hint empty">No subscribers yet.</p>
      ) : null}
      <Pager cursors={cursors} nextCursor={loaded.data?.nextCursor} onChange={setCursors} />
    </section>
  );
}

/** More than one page: counted on request, 1,000 a request, with a way to stop. */
function Count({ topicKey }: { topicKey: string }) {
  const { api } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [state, setState] = useState<{ n: number; running: boolean; complete: boolean }>();
  const stop = useRef(false);
  useEffect(
    () => () => {
      stop.current = true;
    },
    [],
  );
  if (!state) {
    return (
      <p>
        More than one page of subscribers.{' '}
        <button
          type="button"
          onClick={() => {
            stop.current = false;
            setState({ n: 0, running: true, complete: false });
            topics
              .count(
                topicKey,
                (n) => setState({ n, running: true, complete: false }),
                () => stop.current,
              )
              .then(
                ({ count, complete }) => setState({ n: count, running: false, complete }),
                () => setState((s) => s && { ...s, running: false }),
              );
          }}
        >
          Count all
        </button>
      </p>
    );
  }
  return (
    <p role="status">
      <strong>{state.n.toLocaleString()}</strong>
      {state.complete ? ' subscribers' : state.running ? ' counted so far… ' : ' or more (stopped)'}
      {state.running ? (
        <button
          type="button"
          onClick={() => {
            stop.current = true;
          }}
        >
          Stop
        </button>
      ) : null}
    </p>
  );
}

function AddSubscribers({
  topicKey,
  onDone,
}: {
  topicKey: string;
  onDone: (message: string) => void;
}) {
  const { api } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [text, setText] = useState('');
  return (
    <form
      class="inline-form"
      aria-label="Add subscribers"
      onSubmit={(event) => {
        event.preventDefault();
        const ids = text.split(/[\s,]+/).filter((id) => id !== '');
        if (ids.length === 0) return;
        topics.subscribe(topicKey, ids).then(
          ({ results }) => {
            const refused = results.filter((r) => r.status === 'error');
            const ok = results.length - refused.length;
            onDone(
              `Subscribed ${ok}.${refused.length > 0 ? ` Refused: ${refused.map((r) => `${r.id} (${r.errors?.map((e) => e.message).join('; ') ?? 'error'})`).join(', ')}.` : ''}`,
            );
            setText('');
          },
          (error: unknown) => onDone(`Failed: ${describeError(error)}`),
        );
      }}
    >
      <label>
        Recipient ids (comma or space separated)
        <input type="text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit">Add subscribers</button>
    </form>
  );
}
