/**
 * A dataset's versions, newest first, with their tags; pointing a tag (`prod`, `v3`) at a
 * version; and comparing two versions (the diff view). The compared pair lives in the URL
 * (`from`, `to`) so a diff can be linked.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { Problem } from '../Problem.tsx';
import { DatasetDiff } from './DatasetDiff.tsx';

export interface VersionRow {
  version: number;
  message: string;
  changes: number;
  created_at: string;
  tags: string[];
}

interface Props {
  datasetId: string;
  versions: VersionRow[];
  compare: { from: number; to: number } | null;
  onCompare(pair: { from: number; to: number }): void;
  onTagged(): void;
}

export function VersionsPanel({ datasetId, versions, compare, onCompare, onTagged }: Props) {
  const latest = versions[0]?.version ?? 0;
  const [tag, setTag] = useState('');
  const [tagVersion, setTagVersion] = useState<number>(latest);
  const [error, setError] = useState<Error | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const all = [...versions.map((v) => v.version), ...(versions.some((v) => v.version === 0) ? [] : [0])];

  const setTagAt = async () => {
    setError(null);
    setNote(null);
    try {
      await api(`/v1/datasets/${encodeURIComponent(datasetId)}/tags/${encodeURIComponent(tag.trim())}`, { method: 'PUT', body: { version: tagVersion } });
      setNote(`Tag ${tag.trim()} → v${tagVersion}`);
      setTag('');
      onTagged();
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <div className="versions-panel">
      <div className="table-wrap">
        <table className="table versions-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Change</th>
              <th>Examples changed</th>
              <th>Tags</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td className="num">v{v.version}</td>
                <td>{v.message}</td>
                <td className="num">{v.changes}</td>
                <td>
                  {v.tags.map((t) => (
                    <span key={t} className="tag-chip">
                      {t}
                    </span>
                  ))}
                </td>
                <td className="muted small">{new Date(v.created_at).toLocaleString()}</td>
                <td>
                  <button type="button" className="link" onClick={() => onCompare({ from: v.version - 1, to: v.version })}>
                    Changes
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!versions.length && <p className="empty">No versions yet: the dataset is empty (version 0).</p>}

      <form
        className="inline-form tag-form"
        onSubmit={(e) => {
          e.preventDefault();
          void setTagAt();
        }}
      >
        <label>
          Tag <input value={tag} onChange={(e) => setTag(e.target.value)} aria-label="Tag name" placeholder="prod" size={12} required />
        </label>
        <label>
          at{' '}
          <select value={tagVersion} onChange={(e) => setTagVersion(Number(e.target.value))} aria-label="Tag version">
            {all.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button" disabled={!tag.trim()}>
          Set tag
        </button>
        {note && (
          <span className="ok-note small" role="status">
            {note}
          </span>
        )}
      </form>
      <Problem error={error} />

      <h2>Compare versions</h2>
      <div className="inline-form">
        <label>
          From{' '}
          <select value={compare?.from ?? Math.max(latest - 1, 0)} onChange={(e) => onCompare({ from: Number(e.target.value), to: compare?.to ?? latest })} aria-label="Compare from">
            {all.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </label>
        <label>
          to{' '}
          <select value={compare?.to ?? latest} onChange={(e) => onCompare({ from: compare?.from ?? Math.max(latest - 1, 0), to: Number(e.target.value) })} aria-label="Compare to">
            {all.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {compare ? <DatasetDiff datasetId={datasetId} from={compare.from} to={compare.to} /> : <p className="muted small">Pick two versions, or “Changes” on a version, to see what changed.</p>}
    </div>
  );
}
