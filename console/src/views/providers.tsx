import { useState } from 'preact/hooks';
import { ApiError, can, type FieldError } from '../api';
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
import { isKeyFileError, PushKeyField, pushProviderBody } from './providers-push';

/** GET /v1/providers, as the API answers it: never a credential. */
interface SenderRate {
  sender: string;
  ratePerSecond: number;
  breaker?: 'open' | 'closed';
  openUntil?: string;
  recentFailures?: number;
}
interface Provider {
  channel: 'sms' | 'whatsapp' | 'slack' | 'push';
  name: string;
  priority: number;
  settings: { vendor: string; accountSid?: string; senders?: string[] };
  rates: SenderRate[];
  credentials: string;
  updatedAt: string;
  verification?: { ok: boolean; checkedAt: string; problem?: string };
}

const CHANNELS = ['sms', 'whatsapp', 'slack', 'push'] as const;
const path = (p: { channel: string; name: string }) =>
  `v1/providers/${encodeURIComponent(p.channel)}/${encodeURIComponent(p.name)}`;

export function ProvidersView() {
  return (
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">Providers</h2>
      <p class="hint">
        This tenant’s own Twilio accounts, Slack bots and FCM projects, in failover order per
        channel; without one a channel uses the stack’s. Credentials are write-only: they are never
        shown here.
      </p>
      <NeedsKey>
        <Providers />
      </NeedsKey>
    </section>
  );
}

function Providers() {
  const { api, scopes } = useSession();
  const [flash, setFlash] = useFlash();
  const allowed = can(scopes, 'read');
  const admin = can(scopes, 'admin');
  const loaded = useLoad(
    allowed ? () => api.call<{ items: Provider[] }>('GET', 'v1/providers') : undefined,
    [api],
  );
  if (!allowed) return <NotAllowed scope="read" />;

  const act = async (what: string, call: () => Promise<unknown>) => {
    try {
      const result = (await call()) as { ok?: boolean; problem?: string } | undefined;
      setFlash(result?.ok === false ? `${what}: ${result.problem ?? 'refused'}` : what);
      loaded.reload();
    } catch (error) {
      setFlash(`Failed: ${describeError(error)}`);
    }
  };

  return (
    <>
      {admin ? <AddProvider onSaved={(what) => act(what, async () => undefined)} /> : null}
      {flash}
      <ErrorNote error={loaded.error} />
      {loaded.data ? (
        loaded.data.items.length === 0 ? (
          <p class="hint empty">
            No providers of this tenant’s own: every channel uses the stack’s.
          </p>
        ) : (
          <table class="providers">
            <caption class="visually-hidden">Providers</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Name</th>
                <th scope="col">Order</th>
                <th scope="col">Senders: rate and breaker</th>
                <th scope="col">Verified</th>
                <th scope="col">Credentials</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.items.map((p) => (
                <tr key={`${p.channel}/${p.name}`}>
                  <td>{p.channel}</td>
                  <td class="mono">{p.name}</td>
                  <td>{p.priority}</td>
                  <td>
                    <ul class="senders">
                      {p.rates.map((r) => (
                        <li key={r.sender}>
                          <span class="mono">{r.sender}</span> {r.ratePerSecond}/s{' '}
                          {r.breaker ? (
                            <>
                              breaker{' '}
                              <span class={`chip chip-${r.breaker === 'open' ? 'failed' : 'sent'}`}>
                                {r.breaker}
                              </span>
                            </>
                          ) : null}
                          {r.openUntil ? ` until ${formatTime(r.openUntil)}` : ''}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    {p.verification
                      ? `${p.verification.ok ? 'yes' : `no: ${p.verification.problem ?? ''}`} (${formatTime(p.verification.checkedAt)})`
                      : 'not yet'}
                  </td>
                  <td>{p.credentials}</td>
                  <td>
                    {admin ? (
                      <>
                        <button
                          type="button"
                          aria-label={`Verify ${p.channel}/${p.name}`}
                          onClick={() =>
                            act(`Verified ${p.channel}/${p.name}`, () =>
                              api.call('POST', `${path(p)}/verify`),
                            )
                          }
                        >
                          Verify
                        </button>{' '}
                        <button
                          type="button"
                          aria-label={`Remove ${p.channel}/${p.name}`}
                          onClick={() =>
                            act(`Removed ${p.channel}/${p.name}.`, () =>
                              api.call('DELETE', path(p)),
                            )
                          }
                        >
                          Remove
                        </button>
                      </>
                    ) : null}
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

/** PUT /v1/providers/{channel}/{name}: secrets are typed into password fields and cleared. */
function AddProvider({ onSaved }: { onSaved: (what: string) => void }) {
  const { api } = useSession();
  const [channel, setChannel] = useState<(typeof CHANNELS)[number]>('sms');
  const [name, setName] = useState('');
  const [accountSid, setAccountSid] = useState('');
  const [secret, setSecret] = useState('');
  const [senders, setSenders] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const twilio = channel !== 'slack' && channel !== 'push';
  const errorAt = (field: string) => errors.find((e) => e.path === field)?.message;
  const body = () =>
    channel === 'push'
      ? pushProviderBody(secret)
      : twilio
        ? {
            accountSid: accountSid.trim(),
            authToken: secret,
            senders: senders.split(/[\s,]+/).filter(Boolean),
          }
        : { botToken: secret };

  return (
    <form
      class="inline-form"
      aria-label="Add or replace a provider"
      onSubmit={(event) => {
        event.preventDefault();
        void (async () => {
          try {
            await api.call('PUT', path({ channel, name: name.trim() }), {
              body: body(),
              routeOptional: false,
            });
            setErrors([]);
            setSecret('');
            onSaved(`Saved ${channel}/${name.trim()}.`);
          } catch (error) {
            setSecret('');
            setErrors(
              error instanceof ApiError && error.errors.length > 0
                ? error.errors
                : [{ path: '', message: describeError(error) }],
            );
          }
        })();
      }}
    >
      <label>
        Channel
        <select
          value={channel}
          onChange={(e) => setChannel(e.currentTarget.value as typeof channel)}
        >
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input
          id="p-name"
          type="text"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </label>
      {twilio ? (
        <label>
          Account SID
          <input
            id="p-accountSid"
            type="text"
            value={accountSid}
            onInput={(e) => setAccountSid(e.currentTarget.value)}
          />
          {errorAt('accountSid') ? <span class="field-error">{errorAt('accountSid')}</span> : null}
        </label>
      ) : null}
      {channel === 'push' ? (
        <PushKeyField value={secret} onInput={setSecret} errors={errors} />
      ) : (
        <label>
          {twilio ? 'Auth token' : 'Bot token'}
          <input
            id="p-secret"
            type="password"
            autocomplete="off"
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
          {errorAt(twilio ? 'authToken' : 'botToken') ? (
            <span class="field-error">{errorAt(twilio ? 'authToken' : 'botToken')}</span>
          ) : null}
        </label>
      )}
      {twilio ? (
        <label>
          Senders
          <input
            id="p-senders"
            type="text"
            placeholder="+14155550100, +14155550101"
            value={senders}
            onInput={(e) => setSenders(e.currentTarget.value)}
          />
          {errorAt('senders') ? <span class="field-error">{errorAt('senders')}</span> : null}
        </label>
      ) : null}
      <button type="submit">Save provider</button>
      {errors.some(
        (e) =>
          !['accountSid', 'authToken', 'botToken', 'senders'].includes(e.path) &&
          !isKeyFileError(e),
      ) ? (
        <p class="error" role="alert">
          {errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}
        </p>
      ) : null}
    </form>
  );
}
