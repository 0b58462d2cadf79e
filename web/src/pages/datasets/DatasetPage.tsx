/**
 * /datasets/:datasetId: one dataset. Examples at any version (a version number, a tag or
 * a time; default latest) with text search, a split filter and archived ones on request, paged by
 * cursor; each opens to its fields and (at the latest version) an editor. Versions with
 * their tags and the diff between two; export and import. The view lives in the query
 * string (tab, version, tag, as_of, split, search, archived, from, to) so it can be linked.
 */
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { DatasetOut, Example } from '../../../../schema/wire/datasets.ts';
import { api, ApiError, query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { ExampleEditor } from '../../components/datasets/ExampleEditor.tsx';
import { ExampleRow } from '../../components/datasets/ExampleRow.tsx';
import { ImportExport } from '../../components/datasets/ImportExport.tsx';
import { VersionsPanel, type VersionRow } from '../../components/datasets/VersionsPanel.tsx';
import { draftOf } from '../../lib/example-draft.ts';
import { toLocalInput } from '../../components/TimeRange.tsx';

const PAGE = 50;

export function DatasetPage() {
  const { datasetId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const base = `/v1/datasets/${encodeURIComponent(datasetId)}`;
  const tab = params.get('tab') === 'versions' ? 'versions' : 'examples';
  const versionParam = params.get('version');
  const version = versionParam !== null && /^\d+$/.test(versionParam) ? Number(versionParam) : undefined;
  const tag = params.get('tag') ?? undefined;
  const asOf = params.get('as_of') ?? undefined;
  const split = params.get('split') ?? '';
  const search = params.get('search') ?? '';
  const archived = params.get('archived') === '1';
  const cursor = params.get('cursor');
  const from = params.get('from');
  const to = params.get('to');
  const [history, setHistory] = useState<string[]>([]);
  const [searchText, setSearchText] = useState(search);
  const [splitText, setSplitText] = useState(split);
  const [adding, setAdding] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  const dataset = useApi<DatasetOut>(base);
  const versions = useApi<{ versions: VersionRow[] }>(`${base}/versions`);
  const examples = useApi<{ version: number; examples: Example[]; next: string | null }>(
    `${base}/examples${query({ version, tag, as_of: asOf, split, search, include_archived: archived ? 'true' : undefined, cursor, limit: PAGE })}`,
  );

  const update = (next: Record<string, string | null>, keepPage = false) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null || v === '') p.delete(k);
      else p.set(k, v);
    }
    if (!keepPage) {
      p.delete('cursor');
      setHistory([]);
    }
    setParams(p);
  };
  const changed = (message: string) => {
    setNote(message);
    dataset.reload();
    versions.reload();
    examples.reload();
  };

  if (dataset.error) {
    const notFound = dataset.error instanceof ApiError && dataset.error.status === 404;
    return (
      <div className="page">
        <p>
          <Link to="/datasets">← Datasets</Link>
        </p>
        {notFound ? <h1>Dataset not found</h1> : null}
        <ErrorNote error={dataset.error} />
      </div>
    );
  }
  const d = dataset.data;
  if (!d) return <div className="page muted">Loading dataset…</div>;
  const latest = d.latest_version;
  const viewing = examples.data?.version;
  const atLatest = version === undefined && tag === undefined && asOf === undefined;
  const pickerValue = asOf !== undefined ? 'a:' : tag !== undefined ? `t:${tag}` : version !== undefined ? `v:${version}` : '';
  const tags = (versions.data?.versions ?? []).flatMap((v) => v.tags.map((t) => ({ tag: t, version: v.version })));
  const splits = [...new Set((examples.data?.examples ?? []).flatMap((e) => e.splits))].sort();

  return (
    <div className="page dataset-page">
      <p>
        <Link to="/datasets">← Datasets</Link>
      </p>
      <div className="page-head">
        <h1>{d.name}</h1>
        <span className="muted" data-latest-version={latest}>
          latest v{latest}
        </span>
      </div>
      {d.description && <p className="muted">{d.description}</p>}
      {(d.inputs_schema || d.outputs_schema) && (
        <details className="dataset-schemas small">
          <summary>Schemas (checked on every write)</summary>
          {d.inputs_schema && (
            <>
              <h4>Inputs</h4>
              <pre>{JSON.stringify(d.inputs_schema, null, 2)}</pre>
            </>
          )}
          {d.outputs_schema && (
            <>
              <h4>Expected output</h4>
              <pre>{JSON.stringify(d.outputs_schema, null, 2)}</pre>
            </>
          )}
        </details>
      )}

      <nav className="tabs" aria-label="Dataset">
        <button type="button" className={tab === 'examples' ? 'tab active' : 'tab'} aria-pressed={tab === 'examples'} onClick={() => update({ tab: null })}>
          Examples
        </button>
        <button type="button" className={tab === 'versions' ? 'tab active' : 'tab'} aria-pressed={tab === 'versions'} onClick={() => update({ tab: 'versions' })}>
          Versions ({latest})
        </button>
      </nav>
      {note && (
        <p className="ok-note" role="status">
          {note}
        </p>
      )}

      {tab === 'versions' ? (
        versions.data ? (
          <VersionsPanel
            datasetId={d.id}
            versions={versions.data.versions}
            compare={from !== null && to !== null ? { from: Number(from), to: Number(to) } : null}
            onCompare={(pair) => update({ from: String(Math.max(pair.from, 0)), to: String(pair.to) }, true)}
            onTagged={versions.reload}
          />
        ) : versions.error ? (
          <ErrorNote error={versions.error} />
        ) : (
          <p className="muted">Loading versions…</p>
        )
      ) : (
        <>
          <div className="toolbar dataset-toolbar">
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                update({ search: searchText.trim() || null, split: splitText.replace(/\s+/g, '') || null });
              }}
            >
              <input type="search" value={searchText} onChange={(e) => setSearchText(e.target.value)} aria-label="Search examples" placeholder="Search inputs, outputs, metadata" size={30} />
              <label>
                Split <input list="dataset-splits" value={splitText} onChange={(e) => setSplitText(e.target.value)} aria-label="Split" placeholder="all (or train,test)" size={12} />
              </label>
              <datalist id="dataset-splits">
                {splits.map((x) => (
                  <option key={x} value={x} />
                ))}
              </datalist>
              <button type="submit" className="button subtle">
                Apply
              </button>
            </form>
            <label>
              Version{' '}
              <select
                value={pickerValue}
                aria-label="Version"
                onChange={(e) => {
                  const v = e.target.value;
                  if (v === 'a:') return;
                  update({ version: v.startsWith('v:') ? v.slice(2) : null, tag: v.startsWith('t:') ? v.slice(2) : null, as_of: null });
                }}
              >
                <option value="">latest (v{latest})</option>
                {asOf !== undefined && <option value="a:">as of the time (v{viewing ?? '…'})</option>}
                {tags.map((t) => (
                  <option key={`t:${t.tag}`} value={`t:${t.tag}`}>
                    tag {t.tag} (v{t.version})
                  </option>
                ))}
                {(versions.data?.versions ?? []).map((v) => (
                  <option key={v.version} value={`v:${v.version}`}>
                    v{v.version} · {v.message.slice(0, 50)}
                  </option>
                ))}
                <option value="v:0">v0 · empty</option>
              </select>
            </label>
            <label>
              as of{' '}
              <input
                type="datetime-local"
                aria-label="As of"
                value={asOf ? toLocalInput(asOf) : ''}
                onChange={(e) => {
                  const ms = Date.parse(e.target.value);
                  update({ as_of: Number.isNaN(ms) ? null : new Date(ms).toISOString(), version: null, tag: null });
                }}
              />
            </label>
            <label className="check">
              <input type="checkbox" checked={archived} onChange={(e) => update({ archived: e.target.checked ? '1' : null })} /> archived too
            </label>
            <ImportExport datasetId={d.id} at={{ version: atLatest ? undefined : viewing }} canImport={atLatest} onImported={changed} />
            {atLatest && !adding && (
              <button type="button" className="button primary" onClick={() => setAdding(true)}>
                Add example
              </button>
            )}
          </div>
          {!atLatest && viewing !== undefined && (
            <p className="notice small" role="note">
              Viewing version {viewing}
              {tag ? ` (tag ${tag})` : ''}
              {asOf ? ` (as of ${new Date(asOf).toLocaleString()})` : ''}, read-only. <button type="button" className="link" onClick={() => update({ version: null, tag: null, as_of: null })}>Back to the latest (v{latest})</button>
            </p>
          )}
          {adding && (
            <div className="card">
              <h2>New example</h2>
              <ExampleEditor
                label="New example"
                initial={draftOf()}
                saveLabel="Add example"
                onCancel={() => setAdding(false)}
                onSave={async (value) => {
                  const res = await api<{ version: number }>(`${base}/examples`, { body: { examples: [value] } });
                  setAdding(false);
                  changed(`Added as version ${res.version}`);
                }}
              />
            </div>
          )}
          {examples.error && <ErrorNote error={examples.error} />}
          {examples.data && !examples.data.examples.length && <p className="empty">{search || split ? 'No example matches.' : 'No examples at this version.'}</p>}
          {!!examples.data?.examples.length && (
            <div className="table-wrap">
              <table className="table examples-table">
                <thead>
                  <tr>
                    <th>Example</th>
                    <th>Inputs</th>
                    <th>Expected output</th>
                    <th>Splits</th>
                    <th>Tags</th>
                    <th>Changed at</th>
                  </tr>
                </thead>
                <tbody>
                  {examples.data.examples.map((e) => (
                    <ExampleRow key={e.id} datasetId={d.id} example={e} editable={atLatest} onChanged={changed} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              className="button subtle"
              disabled={!cursor}
              onClick={() => {
                const back = history[history.length - 1];
                setHistory(history.slice(0, -1));
                update({ cursor: back || null }, true);
              }}
            >
              ← Previous
            </button>
            <button
              type="button"
              className="button subtle"
              disabled={!examples.data?.next}
              onClick={() => {
                setHistory([...history, cursor ?? '']);
                update({ cursor: examples.data!.next }, true);
              }}
            >
              Next →
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
