/**
 * What changed between two versions of a dataset (GET /v1/datasets/{id}/diff): examples
 * added, removed (archived) and modified; for a modified one, only the fields that changed,
 * before and after.
 */
import type { Example } from '../../../../schema/wire/datasets.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { EXAMPLE_FIELDS } from '../../lib/example-draft.ts';

interface Diff {
  from: number;
  to: number;
  added: Example[];
  removed: Example[];
  modified: { before: Example; after: Example }[];
}

const show = (v: unknown) => (v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));
const summary = (e: Example) => {
  const text = JSON.stringify(e.inputs);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
};

export function DatasetDiff({ datasetId, from, to }: { datasetId: string; from: number; to: number }) {
  const diff = useApi<Diff>(`/v1/datasets/${encodeURIComponent(datasetId)}/diff?from=${from}&to=${to}`);
  if (diff.error) return <ErrorNote error={diff.error} />;
  if (!diff.data) return <p className="muted">Loading diff…</p>;
  const d = diff.data;
  const none = !d.added.length && !d.removed.length && !d.modified.length;
  return (
    <div className="dataset-diff" aria-label={`Changes from v${d.from} to v${d.to}`}>
      <p className="muted small" role="status">
        v{d.from} → v{d.to}: {d.added.length} added, {d.removed.length} removed, {d.modified.length} modified
      </p>
      {none && <p className="empty">No example changed between these versions.</p>}
      {d.added.map((e) => (
        <div key={e.id} className="diff-item diff-added" data-example={e.id}>
          <span className="diff-mark">+ added</span> <span className="mono small">{e.id}</span> <span className="small">{summary(e)}</span>
        </div>
      ))}
      {d.removed.map((e) => (
        <div key={e.id} className="diff-item diff-removed" data-example={e.id}>
          <span className="diff-mark">− removed</span> <span className="mono small">{e.id}</span> <span className="small">{summary(e)}</span>
        </div>
      ))}
      {d.modified.map(({ before, after }) => {
        const changed = EXAMPLE_FIELDS.filter((f) => JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null));
        return (
          <div key={after.id} className="diff-item diff-modified" data-example={after.id}>
            <div>
              <span className="diff-mark">~ modified</span> <span className="mono small">{after.id}</span> <span className="muted small">{changed.join(', ') || 'no field changed'}</span>
            </div>
            {changed.map((f) => (
              <div key={f} className="diff-field" data-field={f}>
                <div className="diff-field-name small">{f}</div>
                <pre className="diff-before" aria-label={`${f} before`}>{show(before[f])}</pre>
                <pre className="diff-after" aria-label={`${f} after`}>{show(after[f])}</pre>
              </div>
            ))}
          </div>
        );
      })}
    </div>
  );
}
