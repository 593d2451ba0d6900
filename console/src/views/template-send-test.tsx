import { useMemo, useState } from 'preact/hooks';
import { ApiError, can, type FieldError } from '../api';
import { templateApi } from '../template-api';
import { describeError, useSession } from '../ui';

export function parseJson(text: string, what: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `${what} is not JSON: ${(error as Error).message}` };
  }
}

export function FieldErrorList({ errors }: { errors: FieldError[] }) {
  if (errors.length === 0) return null;
  return (
    <ul class="error" role="alert">
      {errors.map((e) => (
        <li key={`${e.path}${e.message}`}>
          <code>{e.path || '(body)'}</code> {e.message}
        </li>
      ))}
    </ul>
  );
}

/** "Send a test to me": the latest published version to the operator's own address. */
export function SendTest(props: {
  templateKey: string;
  data: string;
  locale: string;
  published: boolean;
}) {
  const { api, scopes } = useSession();
  const templates = useMemo(() => templateApi(api), [api]);
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [sent, setSent] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<FieldError[]>([]);
  if (!can(scopes, 'send')) return <p class="hint">Sending a test needs the send scope.</p>;
  if (!props.published) return <p class="hint">Publish the template to send a test.</p>;
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        setSent(undefined);
        const channels: Record<string, unknown> = {};
        if (email.trim()) channels.email = { to: [email.trim()] };
        if (phone.trim()) channels.sms = { to: [phone.trim()] };
        const parsed = parseJson(props.data, 'The data');
        if (parsed.error) return setErrors([{ path: 'data', message: parsed.error }]);
        templates
          .sendTest(props.templateKey, {
            data: parsed.value,
            ...(props.locale.trim() ? { locale: props.locale.trim() } : {}),
            channels,
          })
          .then(
            (accepted) => {
              setErrors([]);
              setSent(accepted.id);
            },
            (error: unknown) =>
              setErrors(
                error instanceof ApiError && error.errors.length > 0
                  ? error.errors
                  : [{ path: '', message: describeError(error) }],
              ),
          );
      }}
    >
      <label>
        My email
        <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <label>
        My phone (SMS)
        <input type="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
      </label>
      <button type="submit">Send test</button>
      <FieldErrorList errors={errors} />
      {sent ? (
        <p class="flash" role="status">
          Sent: <a href={`#/notifications/${sent}`}>{sent}</a>
        </p>
      ) : null}
    </form>
  );
}
