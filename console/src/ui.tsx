import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, NotAvailableError } from './api';
import { displayLocale } from './locale';

/** What every view needs: the API client, the key's scopes, whether a key is set. */
export interface Session {
  api: Api;
  hasKey: boolean;
  /** undefined: the server has no /v1/me, so nothing is hidden. */
  scopes: string[] | undefined;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionContext');
  return session;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` now, whenever `deps` change and, with `refreshMs`, on a timer. A stale answer
 * (deps changed meanwhile) is dropped.
 */
export function useLoad<T>(
  load: (() => Promise<T>) | undefined,
  deps: unknown[],
  refreshMs?: number,
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const current = loadRef.current;
    if (!current) return;
    const mine = ++generation.current;
    setLoading(true);
    current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, []);

  // New inputs: forget the old answer and ask again.
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    run();
  }, deps);

  // A changed interval (e.g. polling stops once a notification settles) keeps what is shown.
  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(run, refreshMs);
    return () => clearInterval(timer);
  }, [...deps, refreshMs]);

  return { data, error, loading, reload: run };
}

export function StatusChip({ status }: { status: string }) {
  return <span class={`chip chip-${status}`}>{status.replace('_', ' ')}</span>;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(displayLocale);
}

/** The message for any failed call, with "not available" kept distinct from real errors. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined) return null;
  if (error instanceof NotAvailableError) {
    return (
      <p class="unavailable" role="status">
        Not available on this server: <code>{error.path}</code> answered {error.status}.
      </p>
    );
  }
  const text =
    error instanceof ApiError
      ? `${error.status}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

export function NeedsKey({ children }: { children: ComponentChildren }) {
  const { hasKey } = useSession();
  if (!hasKey) {
    return <p class="hint">Enter an API key above to use this view.</p>;
  }
  return <>{children}</>;
}

export function NotAllowed({ scope }: { scope: string }) {
  return (
    <p class="hint" role="status">
      This key lacks the <code>{scope}</code> scope.
    </p>
  );
}

/** A short-lived line under an action ("Replayed 3, skipped 0"). */
export function useFlash(): [ComponentChildren, (message: ComponentChildren) => void] {
  const [message, setMessage] = useState<ComponentChildren>(null);
  return [
    message ? (
      <p class="flash" role="status">
        {message}
      </p>
    ) : null,
    setMessage,
  ];
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.status}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Previous/next over a cursor-paged list: `cursors` is the stack of cursors that led to the page
 * shown (empty on the first page), `nextCursor` the page's own.
 */
export function Pager({
  cursors,
  nextCursor,
  onChange,
}: {
  cursors: string[];
  nextCursor: string | undefined;
  onChange: (cursors: string[]) => void;
}) {
  return (
    <div class="pager">
      <button
        type="button"
        disabled={cursors.length === 0}
        onClick={() => onChange(cursors.slice(0, -1))}
      >
        Previous page
      </button>
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => {
          if (nextCursor) onChange([...cursors, nextCursor]);
        }}
      >
        Next page
      </button>
    </div>
  );
}
