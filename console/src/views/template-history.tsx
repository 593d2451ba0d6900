import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import type { TemplateApi, TemplateVersion } from '../template-api';
import { diffLines } from '../text-diff';
import { ErrorNote, formatTime, useLoad } from '../ui';

/** A version's content as compared: what it sends, not who published it. */
function comparable(version: TemplateVersion | undefined): string {
  if (!version) return '';
  const { defaultLocale, locales, dataSchema, description } = version;
  return JSON.stringify({ description, defaultLocale, locales, dataSchema }, null, 2);
}

/** Published versions, newest first, and a line diff between any two of them. */
export function VersionHistory(props: {
  templates: TemplateApi;
  templateKey: string;
  revision: number;
}) {
  const { templates, templateKey } = props;
  const versions = useLoad(() => templates.versions(templateKey), [templateKey, props.revision]);
  const items = versions.data?.items ?? [];
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const [pair, setPair] = useState<[TemplateVersion, TemplateVersion] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  // Newest against the one before, until the operator picks others.
  useEffect(() => {
    setTo(items[0]?.version);
    setFrom(items[1]?.version ?? items[0]?.version);
  }, [versions.data]);

  useEffect(() => {
    setPair(undefined);
    if (from === undefined || to === undefined) return;
    Promise.all([templates.version(templateKey, from), templates.version(templateKey, to)]).then(
      (both) => {
        setPair(both);
        setError(undefined);
      },
      setError,
    );
  }, [templateKey, from, to]);

  // A template not saved yet has no versions either.
  const unsaved = versions.error instanceof ApiError && versions.error.status === 404;
  if (versions.error && !unsaved) return <ErrorNote error={versions.error} />;
  if (items.length === 0) return <p class="hint">Nothing published yet.</p>;
  const lines = pair ? diffLines(comparable(pair[0]), comparable(pair[1])) : [];
  const changed = lines.filter((l) => l.kind !== 'same').length;
  const picker = (label: string, value: number | undefined, set: (n: number) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {items.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <table>
        <caption class="visually-hidden">Published versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Published</th>
            <th scope="col">By</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{formatTime(v.publishedAt)}</td>
              <td class="mono">{v.publishedBy}</td>
              <td>{v.note ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="inline-form">
        {picker('Compare', from, setFrom)}
        {picker('with', to, setTo)}
      </div>
      <ErrorNote error={error} />
      {pair ? (
        <>
          <p class="hint" role="status">
            v{pair[0].version} → v{pair[1].version}: {changed} changed line
            {changed === 1 ? '' : 's'}
          </p>
          <pre class="diff">
            {lines.map((line, i) => (
              <span key={i} class={`diff-${line.kind}`}>
                {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
                {line.text}
                {'\n'}
              </span>
            ))}
          </pre>
        </>
      ) : null}
    </>
  );
}
