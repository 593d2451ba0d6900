import { useState } from 'preact/hooks';
import type { Api } from '../api';
import { can } from '../api';
import {
  describeError,
  ErrorNote,
  formatTime,
  NeedsKey,
  NotAllowed,
  StatusChip,
  useFlash,
  useLoad,
  useSession,
} from '../ui';

/*
 * Workflows: the tenant's definitions and recent runs; a run's timeline (each step: when, what it
 * decided and why, its notification); cancel a running run.
 */

interface WorkflowSummary {
  key: string;
  updatedAt: string;
  latestVersion?: number;
  draft: { steps: { id: string; type: string }[]; critical?: boolean };
}
interface RunStep {
  id: string;
  type: string;
  at: string;
  decision: string;
  why?: string;
  until?: string;
  notificationId?: string;
}
interface Run {
  id: string;
  workflowKey: string;
  version: number;
  status: string;
  recipient: { id: string };
  createdAt: string;
  updatedAt: string;
  reason?: string;
  steps: RunStep[];
}

const calls = (api: Api) => ({
  workflows: () => api.call<{ items: WorkflowSummary[] }>('GET', 'v1/workflows'),
  runs: (workflow?: string) =>
    api.call<{ items: Run[] }>(
      'GET',
      `v1/workflow-runs?limit=50${workflow ? `&workflow=${encodeURIComponent(workflow)}` : ''}`,
    ),
  run: (id: string) =>
    api.call<Run>('GET', `v1/workflow-runs/${encodeURIComponent(id)}`, { routeOptional: false }),
  cancel: (id: string) =>
    api.call<{ cancelled: string[] }>('DELETE', `v1/workflow-runs/${encodeURIComponent(id)}`, {
      routeOptional: false,
    }),
});

export function WorkflowsView() {
  return (
    <section aria-labelledby="workflows-title">
      <h2 id="workflows-title">Workflows</h2>
      <p class="hint">
        Runs on Lambda durable functions: waits cost nothing, and a wait for a delivery ends on the
        provider's report.
      </p>
      <NeedsKey>
        <Workflows />
      </NeedsKey>
    </section>
  );
}

function Workflows() {
  const { api, scopes } = useSession();
  const [filter, setFilter] = useState<string | undefined>(undefined);
  const allowed = can(scopes, 'read');
  const workflows = useLoad(allowed ? () => calls(api).workflows() : undefined, [api]);
  const runs = useLoad(allowed ? () => calls(api).runs(filter) : undefined, [api, filter], 5_000);
  if (!allowed) return <NotAllowed scope="read" />;
  return (
    <>
      <ErrorNote error={workflows.error ?? runs.error} />
      <table>
        <caption>Definitions</caption>
        <thead>
          <tr>
            <th>Key</th>
            <th>Steps</th>
            <th>Published</th>
            <th>Draft saved</th>
          </tr>
        </thead>
        <tbody>
          {(workflows.data?.items ?? []).map((w) => (
            <tr key={w.key}>
              <td>
                <button
                  type="button"
                  class="link"
                  onClick={() => setFilter(filter === w.key ? undefined : w.key)}
                >
                  {w.key}
                </button>
                {w.draft.critical ? ' (critical)' : ''}
              </td>
              <td>{w.draft.steps.map((s) => `${s.id}:${s.type}`).join(' → ')}</td>
              <td>{w.latestVersion === undefined ? 'not yet' : `v${w.latestVersion}`}</td>
              <td>{formatTime(w.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Runs{filter ? ` of ${filter}` : ''}, newest first</caption>
        <thead>
          <tr>
            <th>Run</th>
            <th>Workflow</th>
            <th>Recipient</th>
            <th>Status</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {(runs.data?.items ?? []).map((r) => (
            <tr key={r.id}>
              <td>
                <a href={`#/workflows/${encodeURIComponent(r.id)}`}>{r.id.slice(0, 16)}…</a>
              </td>
              <td>
                {r.workflowKey} v{r.version}
              </td>
              <td>{r.recipient.id}</td>
              <td>
                <StatusChip status={r.status} />
              </td>
              <td>{formatTime(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One run's timeline, refreshed while it runs; cancel while it runs. */
export function WorkflowRunView({ id }: { id: string }) {
  const { api, scopes } = useSession();
  const [flash, setFlash] = useFlash();
  const run = useLoad(() => calls(api).run(id), [api, id], 3_000);
  const r = run.data;
  return (
    <section aria-labelledby="run-title">
      <h2 id="run-title">Run {id}</h2>
      <p>
        <a href="#/workflows">All workflows</a>
      </p>
      <ErrorNote error={run.error} />
      {flash}
      {r && (
        <>
          <p>
            {r.workflowKey} v{r.version} for {r.recipient.id}: <StatusChip status={r.status} />
            {r.reason ? ` (${r.reason})` : ''}
          </p>
          {r.status === 'running' && can(scopes, 'send') && (
            <button
              type="button"
              onClick={async () => {
                try {
                  await calls(api).cancel(r.id);
                  setFlash('Cancelled: nothing more is sent by this run.');
                  run.reload();
                } catch (error) {
                  setFlash(`Failed: ${describeError(error)}`);
                }
              }}
            >
              Cancel run
            </button>
          )}
          <ol class="timeline">
            {r.steps.map((s) => (
              <li key={s.id}>
                <strong>{formatTime(s.at)}</strong> {s.id} ({s.type}):{' '}
                <StatusChip status={s.decision} />
                {s.why ? ` — ${s.why}` : ''}
                {s.until ? ` until ${formatTime(s.until)}` : ''}
                {s.notificationId && (
                  <>
                    {' '}
                    <a href={`#/notifications/${encodeURIComponent(s.notificationId)}`}>
                      deliveries
                    </a>
                  </>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
