// First: repairs navigator.language before uPlot (imported by the outcomes view) reads it.
import './locale';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiBase, can, createApi, type Me, NotAvailableError } from './api';
import { readKey, writeKey } from './key-storage';
import { describeError, type Session, SessionContext } from './ui';
import { ComposeView } from './views/compose';
import { DlqView } from './views/dlq';
import { LocalView } from './views/local';
import { NotificationView } from './views/notification';
import { NotificationsView } from './views/notifications';
import { OutcomesView } from './views/outcomes';
import { ProvidersView } from './views/providers';
import { RecipientView } from './views/recipient';
import { RecipientsView } from './views/recipients';
import { SuppressionsView } from './views/suppressions';
import { TemplateEditorView, TemplatesView } from './views/templates';
import { TopicsView } from './views/topics';
import { TopicView } from './views/topics-detail';
import { WebhooksView } from './views/webhooks';
import { WorkflowRunView, WorkflowsView } from './views/workflows';

interface Route {
  view: string;
  id?: string;
}

function parseHash(hash: string): Route {
  const [view = 'notifications', id] = hash.replace(/^#\/?/, '').split('/');
  return id
    ? { view: view || 'notifications', id: decodeURIComponent(id) }
    : { view: view || 'notifications' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const NAV: Array<{ view: string; label: string; scope?: 'send' | 'read' | 'admin'; local?: true }> =
  [
    { view: 'notifications', label: 'Notifications', scope: 'read' },
    { view: 'compose', label: 'Compose', scope: 'send' },
    { view: 'outcomes', label: 'Outcomes', scope: 'read' },
    { view: 'dlq', label: 'DLQ', scope: 'admin' },
    { view: 'recipients', label: 'Recipients', scope: 'read' },
    { view: 'topics', label: 'Topics', scope: 'read' },
    { view: 'suppressions', label: 'Suppressions', scope: 'read' },
    { view: 'webhooks', label: 'Webhooks', scope: 'read' },
    { view: 'providers', label: 'Providers', scope: 'read' },
    { view: 'templates', label: 'Templates', scope: 'read' },
    { view: 'workflows', label: 'Workflows', scope: 'read' },
    { view: 'local', label: 'Local stack', local: true },
  ];

function App() {
  const [key, setKey] = useState<string | undefined>(readKey);
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [meError, setMeError] = useState<string | undefined>(undefined);
  const [isLocal, setIsLocal] = useState(false);
  const route = useRoute();
  const api = useMemo(() => createApi(apiBase(location.pathname), () => key), [key]);

  useEffect(() => {
    // The local stack's own routes answer without a key; a deployed API refuses them.
    api.outbox().then(
      () => setIsLocal(true),
      () => setIsLocal(false),
    );
  }, [api]);

  useEffect(() => {
    setMe(undefined);
    setMeError(undefined);
    if (!key) return;
    api.me().then(setMe, (error: unknown) => {
      if (!(error instanceof NotAvailableError)) setMeError(describeError(error));
    });
  }, [api, key]);

  const session: Session = { api, hasKey: key !== undefined, scopes: me?.scopes };
  const visible = NAV.filter((item) =>
    item.local ? isLocal : !key || !item.scope || can(session.scopes, item.scope),
  );
  const current = route.view;

  return (
    <SessionContext.Provider value={session}>
      <header class="top">
        <h1>
          <a class="brand" href="#/notifications">
            Herald
          </a>
        </h1>
        <nav aria-label="Views">
          <ul>
            {visible.map((item) => (
              <li key={item.view}>
                <a
                  href={`#/${item.view}`}
                  aria-current={current === item.view ? 'page' : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <KeyForm
          hasKey={key !== undefined}
          me={me}
          error={meError}
          onKey={(value) => {
            writeKey(value);
            setKey(value);
          }}
        />
      </header>
      <main id="main">{renderView(route)}</main>
    </SessionContext.Provider>
  );
}

function renderView(route: Route) {
  switch (route.view) {
    case 'notifications':
      return route.id ? <NotificationView id={route.id} /> : <NotificationsView />;
    case 'compose':
      return <ComposeView />;
    case 'outcomes':
      return <OutcomesView />;
    case 'dlq':
      return <DlqView />;
    case 'recipients':
      return route.id ? <RecipientView id={route.id} /> : <RecipientsView />;
    case 'topics':
      return route.id ? <TopicView topicKey={route.id} /> : <TopicsView />;
    case 'suppressions':
      return <SuppressionsView />;
    case 'webhooks':
      return <WebhooksView />;
    case 'providers':
      return <ProvidersView />;
    case 'templates':
      return route.id ? <TemplateEditorView templateKey={route.id} /> : <TemplatesView />;
    case 'workflows':
      return route.id ? <WorkflowRunView id={route.id} /> : <WorkflowsView />;
    case 'local':
      return <LocalView />;
    default:
      return (
        <section>
          <h2>Not found</h2>
          <p>
            There is no view called “{route.view}”. <a href="#/notifications">Notifications</a>
          </p>
        </section>
      );
  }
}

function KeyForm(props: {
  hasKey: boolean;
  me: Me | undefined;
  error: string | undefined;
  onKey: (key: string | undefined) => void;
}) {
  const [draft, setDraft] = useState('');
  if (props.hasKey) {
    return (
      <div class="key">
        <span>
          Key set
          {props.me ? ` · tenant ${props.me.tenantId} · ${props.me.scopes.join(', ')}` : ''}
        </span>
        {props.error ? (
          <span class="error" role="alert">
            {props.error}
          </span>
        ) : null}
        <button type="button" onClick={() => props.onKey(undefined)}>
          Forget key
        </button>
      </div>
    );
  }
  return (
    <form
      class="key"
      onSubmit={(event) => {
        event.preventDefault();
        const value = draft.trim();
        if (value) props.onKey(value);
        setDraft('');
      }}
    >
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autocomplete="off"
        spellcheck={false}
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
      />
      <button type="submit">Use key</button>
    </form>
  );
}

const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  render(<App />, root);
}
