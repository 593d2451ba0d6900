import { useMemo, useState } from 'preact/hooks';
import { can } from '../api';
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
import { topicApi } from './topics-api';

/** #/topics: the tenant's topics (named audiences of recipient ids), a page at a time. */
export function TopicsView() {
  return (
    <section aria-labelledby="topics-title">
      <h2 id="topics-title">Topics</h2>
      <p class="hint">
        Named audiences of recipient ids. A send to <code>{'{ topic }'}</code> fans out to every
        subscriber; open a topic to see and change its subscribers or send to it.
      </p>
      <NeedsKey>
        <TopicList />
      </NeedsKey>
    </section>
  );
}

function TopicList() {
  const { api, scopes } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [cursors, setCursors] = useState<string[]>([]);
  const allowed = can(scopes, 'read');
  const cursor = cursors[cursors.length - 1];
  const loaded = useLoad(allowed ? () => topics.list(cursor) : undefined, [topics, cursor]);
  if (!allowed) return <NotAllowed scope="read" />;
  return (
    <>
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        loaded.data.items.length === 0 ? (
          <p class="hint empty">No topics yet.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Topics</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((t) => (
                <tr key={t.key}>
                  <td class="mono">
                    <a href={`#/topics/${encodeURIComponent(t.key)}`}>{t.key}</a>
                  </td>
                  <td>{t.name ?? ''}</td>
                  <td>{formatTime(t.createdAt)}</td>
                  <td>{formatTime(t.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <Pager cursors={cursors} nextCursor={loaded.data?.nextCursor} onChange={setCursors} />
      {can(scopes, 'admin') ? <NewTopic onSaved={loaded.reload} /> : null}
    </>
  );
}

function NewTopic({ onSaved }: { onSaved: () => void }) {
  const { api } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [flash, setFlash] = useFlash();
  return (
    <section aria-labelledby="new-topic-title">
      <h3 id="new-topic-title">Create or rename a topic</h3>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          topics.put(key.trim(), name.trim() || undefined).then(
            () => {
              setFlash(`Saved topic ${key.trim()}.`);
              onSaved();
            },
            (error: unknown) => setFlash(`Failed: ${describeError(error)}`),
          );
        }}
      >
        <label>
          Key
          <input type="text" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <label>
          Name
          <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit">Save topic</button>
      </form>
      {flash}
    </section>
  );
}
