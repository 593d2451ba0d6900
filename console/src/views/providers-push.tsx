import type { FieldError } from '../api';

/**
 * PUT /v1/providers/push/{name}'s body from the pasted key file: its JSON, or the text as it is
 * (the API then answers a 400 at `serviceAccount`).
 */
export function pushProviderBody(keyFile: string): { serviceAccount: unknown } {
  try {
    return { serviceAccount: JSON.parse(keyFile) as unknown };
  } catch {
    return { serviceAccount: keyFile };
  }
}

/** Whether an API error belongs to the key file field. */
export const isKeyFileError = (e: FieldError) => e.path.startsWith('serviceAccount');

/**
 * The FCM service account key file (write-only like every credential: cleared after each save,
 * never shown again; the list shows its project and client email only).
 */
export function PushKeyField(props: {
  value: string;
  onInput: (value: string) => void;
  errors: FieldError[];
}) {
  const errors = props.errors.filter(isKeyFileError);
  return (
    <label>
      Service account key file (JSON)
      <textarea
        id="p-secret"
        rows={3}
        autocomplete="off"
        spellcheck={false}
        placeholder='{"type": "service_account", "project_id": "…", "client_email": "…", "private_key": "…"}'
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {errors.length > 0 ? (
        <span class="field-error">
          {errors
            .map((e) => `${e.path.replace(/^serviceAccount\.?/, '') || 'file'}: ${e.message}`)
            .join('; ')}
        </span>
      ) : null}
    </label>
  );
}
