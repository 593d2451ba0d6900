import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Accepted, ApiError, CHANNELS, type Channel, can, type FieldError } from '../api';
import { describeError, NeedsKey, NotAllowed, useSession } from '../ui';
import { localToIso } from './notifications';

type Values = Record<string, string>;

/** The form's fields by request path; a 4xx error's path is matched to the longest prefix. */
const CHANNEL_FIELDS: Record<Channel, Array<{ name: string; label: string; multiline?: true }>> = {
  email: [
    { name: 'to', label: 'To (comma separated)' },
    { name: 'subject', label: 'Subject' },
    { name: 'text', label: 'Text', multiline: true },
    { name: 'html', label: 'HTML', multiline: true },
    { name: 'from', label: 'From (optional)' },
    { name: 'replyTo', label: 'Reply-To (optional)' },
  ],
  sms: [
    { name: 'to', label: 'To (E.164, comma separated)' },
    { name: 'text', label: 'Text', multiline: true },
  ],
  whatsapp: [
    { name: 'to', label: 'To (E.164, comma separated)' },
    { name: 'text', label: 'Text (or a template below)', multiline: true },
    { name: 'template.contentSid', label: 'Template content SID' },
    { name: 'template.variables', label: 'Template variables (JSON object)' },
  ],
  push: [
    { name: 'tokens', label: 'Device tokens (comma separated)' },
    { name: 'title', label: 'Title' },
    { name: 'body', label: 'Body', multiline: true },
    { name: 'data', label: 'Data (JSON object of strings)' },
  ],
  slack: [
    { name: 'channel', label: 'Slack channel' },
    { name: 'text', label: 'Text', multiline: true },
  ],
  mqtt: [
    { name: 'topic', label: 'Topic' },
    { name: 'payload', label: 'Payload (JSON or text)', multiline: true },
    { name: 'qos', label: 'QoS (0 or 1)' },
  ],
};
const LIST_FIELDS = new Set(['to', 'tokens']);
const JSON_FIELDS = new Set(['data', 'template.variables']);

const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** `channels.email.to[2]` -> the field `channels.email.to`, or undefined when no field matches. */
export function fieldFor(path: string, fields: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const field of fields) {
    const boundary = path.charAt(field.length);
    if (path.startsWith(field) && (boundary === '' || boundary === '.' || boundary === '[')) {
      if (!best || field.length > best.length) best = field;
    }
  }
  return best;
}

interface Built {
  body?: Record<string, unknown>;
  errors: FieldError[];
}

function buildRequest(enabled: Set<Channel>, values: Values): Built {
  const errors: FieldError[] = [];
  const channels: Record<string, Record<string, unknown>> = {};
  for (const channel of CHANNELS) {
    if (!enabled.has(channel)) continue;
    const block: Record<string, unknown> = {};
    for (const { name } of CHANNEL_FIELDS[channel]) {
      const path = `channels.${channel}.${name}`;
      const raw = (values[path] ?? '').trim();
      if (raw === '') continue;
      let value: unknown = raw;
      if (LIST_FIELDS.has(name)) value = raw.split(/[\s,]+/).filter(Boolean);
      else if (JSON_FIELDS.has(name)) {
        try {
          value = JSON.parse(raw);
        } catch {
          errors.push({ path, message: 'must be valid JSON' });
          continue;
        }
      } else if (channel === 'mqtt' && name === 'payload') {
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw;
        }
      } else if (channel === 'mqtt' && name === 'qos') value = Number(raw);
      const [head, tail] = name.split('.');
      if (head && tail) block[head] = { ...(block[head] as object), [tail]: value };
      else block[name] = value;
    }
    channels[channel] = block;
  }
  const body: Record<string, unknown> = { channels };
  const sendAt = values.sendAt ?? '';
  if (sendAt) {
    const iso = localToIso(sendAt);
    if (iso) body.sendAt = iso;
    else errors.push({ path: 'sendAt', message: 'is not a date and time' });
  }
  body.priority = values.priority || 'normal';
  const metadata: Record<string, string> = {};
  for (const line of (values.metadata ?? '').split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) {
      errors.push({ path: 'metadata', message: `"${line.trim()}" is not key=value` });
      continue;
    }
    metadata[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  if (Object.keys(metadata).length > 0) body.metadata = metadata;
  return errors.length > 0 ? { errors } : { body, errors };
}

export function ComposeView() {
  return (
    <section aria-labelledby="compose-title">
      <h2 id="compose-title">Compose</h2>
      <NeedsKey>
        <ComposeForm />
      </NeedsKey>
    </section>
  );
}

function ComposeForm() {
  const { api, scopes } = useSession();
  const [enabled, setEnabled] = useState<Set<Channel>>(new Set(['email']));
  const [values, setValues] = useState<Values>({ priority: 'normal' });
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [accepted, setAccepted] = useState<Accepted | undefined>(undefined);
  const [sending, setSending] = useState(false);
  if (!can(scopes, 'send')) return <NotAllowed scope="send" />;

  const allFields = [
    'sendAt',
    'priority',
    'metadata',
    'channels',
    ...CHANNELS.flatMap((c) => [
      `channels.${c}`,
      ...CHANNEL_FIELDS[c].map((f) => `channels.${c}.${f.name}`),
    ]),
  ];
  const errorsByField = new Map<string, string[]>();
  const general: FieldError[] = [];
  for (const error of errors) {
    const field = fieldFor(error.path, allFields);
    // A channel block's own error (e.g. "unknown field") shows in its fieldset.
    if (field && (field !== 'channels' || error.path === 'channels')) {
      errorsByField.set(field, [
        ...(errorsByField.get(field) ?? []),
        `${error.path}: ${error.message}`,
      ]);
    } else general.push(error);
  }

  const set = (path: string) => (event: Event) =>
    setValues({ ...values, [path]: (event.currentTarget as HTMLInputElement).value });

  const submit = async (event: Event) => {
    event.preventDefault();
    setAccepted(undefined);
    setMessage(undefined);
    const built = buildRequest(enabled, values);
    if (!built.body) {
      setErrors(built.errors);
      setMessage('Fix the fields marked below.');
      return;
    }
    setSending(true);
    try {
      const result = await api.send(built.body, idempotencyKey.trim() || undefined);
      setErrors([]);
      setAccepted(result);
      setIdempotencyKey(newIdempotencyKey());
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) {
        setErrors(error.errors);
        setMessage(`${error.status}: ${error.message}. Fix the fields marked below.`);
      } else {
        setErrors([]);
        setMessage(describeError(error));
      }
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="compose" onSubmit={submit} noValidate>
      <div aria-live="polite">
        {message ? (
          <div class="error" role="alert">
            <p>{message}</p>
            {general.length > 0 ? (
              <ul>
                {general.map((e) => (
                  <li key={e.path + e.message}>
                    <code>{e.path || '(request)'}</code> {e.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        {accepted ? (
          <p class="flash" role="status">
            Accepted ({accepted.status}, {accepted.deliveries} deliveries):{' '}
            <a href={`#/notifications/${encodeURIComponent(accepted.id)}`} class="mono">
              {accepted.id}
            </a>
          </p>
        ) : null}
      </div>
      <FieldErrors field="channels" errors={errorsByField} />
      <fieldset class="channel-picker">
        <legend>Channels</legend>
        {CHANNELS.map((channel) => (
          <label key={channel} class="inline">
            <input
              type="checkbox"
              checked={enabled.has(channel)}
              onChange={(event) => {
                const next = new Set(enabled);
                if (event.currentTarget.checked) next.add(channel);
                else next.delete(channel);
                setEnabled(next);
              }}
            />
            {channel}
          </label>
        ))}
      </fieldset>
      {CHANNELS.filter((c) => enabled.has(c)).map((channel) => (
        <fieldset key={channel} class="channel">
          <legend>{channel}</legend>
          <FieldErrors field={`channels.${channel}`} errors={errorsByField} />
          {CHANNEL_FIELDS[channel].map((f) => {
            const path = `channels.${channel}.${f.name}`;
            return (
              <Field key={path} path={path} label={f.label} errors={errorsByField}>
                {(props) =>
                  f.multiline ? (
                    <textarea {...props} rows={3} value={values[path] ?? ''} onInput={set(path)} />
                  ) : (
                    <input {...props} type="text" value={values[path] ?? ''} onInput={set(path)} />
                  )
                }
              </Field>
            );
          })}
        </fieldset>
      ))}
      <fieldset>
        <legend>Delivery</legend>
        <Field path="sendAt" label="Send at (empty: now)" errors={errorsByField}>
          {(props) => (
            <input
              {...props}
              type="datetime-local"
              value={values.sendAt ?? ''}
              onInput={set('sendAt')}
            />
          )}
        </Field>
        <Field path="priority" label="Priority" errors={errorsByField}>
          {(props) => (
            <select {...props} value={values.priority} onChange={set('priority')}>
              <option value="normal">normal</option>
              <option value="high">high</option>
            </select>
          )}
        </Field>
        <Field path="metadata" label="Metadata (key=value, one a line)" errors={errorsByField}>
          {(props) => (
            <textarea {...props} rows={2} value={values.metadata ?? ''} onInput={set('metadata')} />
          )}
        </Field>
        <Field path="idempotencyKey" label="Idempotency-Key" errors={errorsByField}>
          {(props) => (
            <input
              {...props}
              type="text"
              value={idempotencyKey}
              onInput={(e) => setIdempotencyKey(e.currentTarget.value)}
            />
          )}
        </Field>
      </fieldset>
      <button type="submit" class="primary" disabled={sending}>
        {sending ? 'Sending…' : 'Send'}
      </button>
    </form>
  );
}

interface ControlProps {
  id: string;
  name: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

function Field(props: {
  path: string;
  label: string;
  errors: Map<string, string[]>;
  children: (control: ControlProps) => ComponentChildren;
}) {
  const id = fieldId(props.path);
  const messages = props.errors.get(props.path);
  const control: ControlProps = messages
    ? { id, name: props.path, 'aria-invalid': 'true', 'aria-describedby': `${id}-error` }
    : { id, name: props.path };
  return (
    <div class={messages ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children(control)}
      {messages ? (
        <p class="field-error" id={`${id}-error`}>
          {messages.join('; ')}
        </p>
      ) : null}
    </div>
  );
}

function FieldErrors({ field, errors }: { field: string; errors: Map<string, string[]> }) {
  const messages = errors.get(field);
  if (!messages) return null;
  return <p class="field-error">{messages.join('; ')}</p>;
}
