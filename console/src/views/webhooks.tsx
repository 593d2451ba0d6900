import { useState } from 'preact/hooks';
import { can, type Webhook } from '../api';
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

export function WebhooksView() {
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p class="hint">
        Events are signed with Standard Webhooks; a secret is shown once, when created or rotated.
      </p>
      <NeedsKey>
        <Webhooks />
      </NeedsKey>
    </section>
  );
}

function isEnabled(w: Webhook): boolean {
  return w.enabled !== false;
}

function Webhooks() {
  const { api, scopes } = useSession();
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState('');
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [flash, setFlash] = useFlash();
  const allowed = can(scopes, 'admin');
  const loaded = useLoad(allowed ? () => api.listWebhooks() : undefined, [api]);
  if (!allowed) return <NotAllowed scope="admin" />;

  const act = async (what: string, call: () => Promise<unknown>) => {
    setSecret(undefined);
    try {
      const result = (await call()) as { secret?: unknown } | undefined;
      if (result && typeof result.secret === 'string') setSecret(result.secret);
      setFlash(what);
      loaded.reload();
    } catch (error) {
      setFlash(`Failed: ${describeError(error)}`);
    }
  };

  return (
    <>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const types = eventTypes.split(/[\s,]+/).filter(Boolean);
          void act('Webhook created.', () =>
            api.createWebhook({
              url: url.trim(),
              ...(types.length > 0 ? { events: types } : {}),
            }),
          );
        }}
      >
        <label>
          Endpoint URL
          <input type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        </label>
        <label>
          Event types (empty: all)
          <input
            type="text"
            value={eventTypes}
            onInput={(e) => setEventTypes(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Create webhook</button>
      </form>
      {flash}
      {secret ? (
        <p class="secret" role="status">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      ) : null}
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        loaded.data.items.length === 0 ? (
          <p class="hint empty">No webhooks.</p>
        ) : (
          <table>
            <caption class="visually-hidden">Webhooks</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((w) => (
                <tr key={w.id}>
                  <td class="mono">{w.url}</td>
                  <td>{w.events?.join(', ') || 'all'}</td>
                  <td title={w.disabledReason}>{isEnabled(w) ? 'enabled' : 'disabled'}</td>
                  <td>{formatTime(w.createdAt)}</td>
                  <td class="actions">
                    <button
                      type="button"
                      onClick={() => act('Test event sent.', () => api.testWebhook(w.id))}
                    >
                      Test
                    </button>
                    <button
                      type="button"
                      onClick={() => act('Secret rotated.', () => api.rotateWebhook(w.id))}
                    >
                      Rotate secret
                    </button>
                    {isEnabled(w) ? (
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          act('Webhook disabled.', () => api.setWebhookEnabled(w.id, false))
                        }
                      >
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        onClick={() =>
                          act('Webhook enabled.', () => api.setWebhookEnabled(w.id, true))
                        }
                      >
                        Enable
                      </button>
                    )}
                    <button
                      type="button"
                      class="danger"
                      onClick={() => act('Webhook deleted.', () => api.deleteWebhook(w.id))}
                    >
                      Delete
                    </button>
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
