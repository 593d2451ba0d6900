import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { type Accepted, ApiError, CHANNELS, type Channel, can, type FieldError } from '../api';
import { describeError, NeedsKey, NotAllowed, useSession } from '../ui';
import {
  buildRequest,
  CHANNEL_FIELDS,
  fieldFor,
  fieldId,
  newIdempotencyKey,
  type Values,
} from './compose-request';

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
