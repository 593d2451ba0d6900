import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, can, type FieldError } from '../api';
import { type Rendered, STARTER_DRAFT, type TemplateDetail, templateApi } from '../template-api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  useFlash,
  useLoad,
  useSession,
} from '../ui';
import { VersionHistory } from './template-history';
import { RenderedChannels } from './template-preview';
import { FieldErrorList, parseJson, SendTest } from './template-send-test';

/** `#/templates`: the tenant's templates, and a key to open or start one. */
export function TemplatesView() {
  return (
    <section aria-labelledby="templates-title">
      <h2 id="templates-title">Templates</h2>
      <p class="hint">
        Liquid per channel and locale; sends use the latest published version unless they pin one.
      </p>
      <NeedsKey>
        <TemplateList />
      </NeedsKey>
    </section>
  );
}

function TemplateList() {
  const { api } = useSession();
  const templates = useMemo(() => templateApi(api), [api]);
  const list = useLoad(() => templates.list(), [templates]);
  const [key, setKey] = useState('');
  return (
    <>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim()) location.hash = `#/templates/${encodeURIComponent(key.trim())}`;
        }}
      >
        <label>
          Template key
          <input type="text" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <button type="submit">Open or create</button>
      </form>
      <ErrorNote error={list.error} />
      <table>
        <caption class="visually-hidden">Templates</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Channels</th>
            <th scope="col">Locales</th>
            <th scope="col">Published</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((t) => (
            <tr key={t.key}>
              <td>
                <a href={`#/templates/${encodeURIComponent(t.key)}`}>{t.key}</a>
                {t.archivedAt ? <span class="chip chip-cancelled">archived</span> : null}
              </td>
              <td>{t.channels.join(', ')}</td>
              <td>{t.locales.join(', ')}</td>
              <td>{t.latestVersion > 0 ? `v${t.latestVersion}` : 'draft only'}</td>
              <td>{formatTime(t.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** `#/templates/<key>`: edit the draft with a live preview, publish, history, send a test. */
export function TemplateEditorView({ templateKey }: { templateKey: string }) {
  return (
    <section aria-labelledby="template-title">
      <h2 id="template-title">
        Template <code>{templateKey}</code>
      </h2>
      <p>
        <a href="#/templates">All templates</a>
      </p>
      <NeedsKey>
        <TemplateEditor templateKey={templateKey} />
      </NeedsKey>
    </section>
  );
}

function TemplateEditor({ templateKey }: { templateKey: string }) {
  const { api, scopes } = useSession();
  const templates = useMemo(() => templateApi(api), [api]);
  const [head, setHead] = useState<TemplateDetail | undefined>(undefined);
  const [draft, setDraft] = useState('');
  const [data, setData] = useState('{\n  "name": "Ada"\n}');
  const [locale, setLocale] = useState('');
  const [rendered, setRendered] = useState<Rendered | undefined>(undefined);
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [note, setNote] = useState('');
  const [revision, setRevision] = useState(0);
  const [flash, setFlash] = useFlash();
  const admin = can(scopes, 'admin');

  useEffect(() => {
    templates.get(templateKey).then(
      (found) => {
        setHead(found);
        setDraft(JSON.stringify(found.draft ?? STARTER_DRAFT, null, 2));
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) {
          setDraft(JSON.stringify(STARTER_DRAFT, null, 2));
          setFlash('A new template: save it to create it.');
        } else setFlash(`Failed: ${describeError(error)}`);
      },
    );
  }, [templates, templateKey]);

  // Live preview of the draft as typed (not saved), debounced; a late answer to an older edit
  // never replaces a newer one.
  const asked = useRef(0);
  useEffect(() => {
    if (draft === '') return undefined;
    const timer = setTimeout(() => {
      const mine = ++asked.current;
      const parsedDraft = parseJson(draft, 'The draft');
      const parsedData = parseJson(data, 'The data');
      const bad = parsedDraft.error ?? parsedData.error;
      if (bad) {
        setProblems([{ path: '', message: bad }]);
        return;
      }
      templates
        .render(templateKey, {
          draft: parsedDraft.value,
          data: parsedData.value,
          ...(locale.trim() ? { locale: locale.trim() } : {}),
        })
        .then(
          (answer) => {
            if (mine !== asked.current) return;
            setRendered(answer);
            setProblems([]);
          },
          (error: unknown) => {
            if (mine !== asked.current) return;
            setProblems(
              error instanceof ApiError && error.errors.length > 0
                ? error.errors
                : [{ path: '', message: describeError(error) }],
            );
          },
        );
    }, 400);
    return () => clearTimeout(timer);
  }, [templates, templateKey, draft, data, locale]);

  const act = async (
    what: (version?: number) => string,
    call: () => Promise<number | undefined>,
  ) => {
    try {
      const version = await call();
      setFlash(what(version));
      setRevision((r) => r + 1);
      setHead(await templates.get(templateKey));
    } catch (error) {
      if (error instanceof ApiError && error.errors.length > 0) setProblems(error.errors);
      setFlash(`Failed: ${describeError(error)}`);
    }
  };
  const save = async () => {
    await templates.save(templateKey, JSON.parse(draft));
    return undefined;
  };

  return (
    <>
      {head ? (
        <p class="hint">
          {head.latestVersion > 0
            ? `Latest published: v${head.latestVersion}`
            : 'Not published yet'}
          {head.archivedAt ? ' · archived (saving restores it)' : ''}
        </p>
      ) : null}
      <div class="editor">
        <div>
          <label for="template-draft">Draft (JSON: defaultLocale, locales, dataSchema)</label>
          <textarea
            id="template-draft"
            class="code"
            rows={24}
            spellcheck={false}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
          {admin ? (
            <div class="inline-form">
              <button type="button" onClick={() => void act(() => 'Draft saved.', save)}>
                Save draft
              </button>
              <label>
                Note
                <input type="text" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
              </label>
              <button
                type="button"
                onClick={() =>
                  void act(
                    (v) => `Published version ${v}.`,
                    async () => {
                      await save();
                      const published = await templates.publish(
                        templateKey,
                        note.trim() || undefined,
                      );
                      setNote('');
                      return published.version;
                    },
                  )
                }
              >
                Save and publish
              </button>
            </div>
          ) : null}
          {flash}
        </div>
        <div>
          <label for="template-data">Preview data (JSON)</label>
          <textarea
            id="template-data"
            class="code"
            rows={6}
            spellcheck={false}
            value={data}
            onInput={(e) => setData(e.currentTarget.value)}
          />
          <label>
            Locale
            <input
              type="text"
              placeholder={head?.defaultLocale ?? 'en'}
              value={locale}
              onInput={(e) => setLocale(e.currentTarget.value)}
            />
          </label>
          <FieldErrorList errors={problems} />
          {rendered ? <RenderedChannels rendered={rendered} /> : null}
        </div>
      </div>
      <h3>Send a test to me</h3>
      <SendTest
        templateKey={templateKey}
        data={data}
        locale={locale}
        published={(head?.latestVersion ?? 0) > 0}
      />
      <h3>Version history</h3>
      <VersionHistory templates={templates} templateKey={templateKey} revision={revision} />
    </>
  );
}
