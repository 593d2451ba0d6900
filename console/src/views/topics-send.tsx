import { useEffect, useMemo, useState } from 'preact/hooks';
import { can } from '../api';
import { describeError, ErrorNote, NotAllowed, StatusChip, useSession } from '../ui';
import { type Fanout, topicApi } from './topics-api';

/** How often a running fan-out is read again. */
const POLL_MS = 1000;

/** A short email or SMS to every subscriber, then the fan-out's progress until it is done. */
export function TopicSendForm({ topicKey }: { topicKey: string }) {
  const { api, scopes } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [channel, setChannel] = useState<'email' | 'sms'>('email');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [sent, setSent] = useState<{ id: string; fanout: Fanout }>();
  const [error, setError] = useState<unknown>();
  if (!can(scopes, 'send')) return <NotAllowed scope="send" />;
  return (
    <section aria-labelledby="topic-send-title">
      <h3 id="topic-send-title">Send to this topic</h3>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setError(undefined);
          const content: Record<string, string> =
            channel === 'email' ? { subject, text } : { text };
          topics
            .send(topicKey, { [channel]: content })
            .then((answer) => setSent({ id: answer.id, fanout: answer.fanout }), setError);
        }}
      >
        <label>
          Channel
          <select
            value={channel}
            onChange={(e) => setChannel(e.currentTarget.value as 'email' | 'sms')}
          >
            <option value="email">email</option>
            <option value="sms">sms</option>
          </select>
        </label>
        {channel === 'email' ? (
          <label>
            Subject
            <input
              type="text"
              required
              value={subject}
              onInput={(e) => setSubject(e.currentTarget.value)}
            />
          </label>
        ) : null}
        <label>
          Text
          <input
            type="text"
            required
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Send to topic</button>
      </form>
      <ErrorNote error={error} />
      {sent ? <FanoutProgress key={sent.id} id={sent.id} first={sent.fanout} /> : null}
    </section>
  );
}

/** {total, enqueued, skipped, done} of one topic send, read again every second until done. */
function FanoutProgress({ id, first }: { id: string; first: Fanout }) {
  const { api } = useSession();
  const topics = useMemo(() => topicApi(api), [api]);
  const [fanout, setFanout] = useState(first);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (fanout.done) return;
    const timer = setTimeout(() => {
      topics.progress(id).then(
        (answer) => {
          setError(undefined);
          setFanout(answer.fanout);
        },
        (e: unknown) => {
          // Shown, and tried again on the next tick (a blip must not end the watch).
          setError(e);
          setFanout((f) => ({ ...f }));
        },
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [topics, id, fanout]);
  return (
    <div class="fanout" role="status" aria-live="polite" aria-label="Fan-out progress">
      <p>
        Send <a href={`#/notifications/${encodeURIComponent(id)}`}>{id}</a>{' '}
        <StatusChip status={fanout.status} />
      </p>
      {fanout.done ? (
        <progress value={1} max={1} aria-label="Fan-out done" />
      ) : (
        <progress aria-label="Fan-out running" />
      )}
      <table>
        <caption class="visually-hidden">Fan-out counts</caption>
        <thead>
          <tr>
            <th scope="col">Subscribers handled</th>
            <th scope="col">Enqueued</th>
            <th scope="col">Skipped</th>
            <th scope="col">Done</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td data-count="total">{fanout.total.toLocaleString()}</td>
            <td data-count="enqueued">{fanout.enqueued.toLocaleString()}</td>
            <td data-count="skipped">{fanout.skipped.toLocaleString()}</td>
            <td data-count="done">{fanout.done ? 'yes' : 'no'}</td>
          </tr>
        </tbody>
      </table>
      {error ? <p class="error-text">Last read failed: {describeError(error)}</p> : null}
    </div>
  );
}
