/**
 * "Add to dataset", in two places: on the trace page, an editor prefilled from the trace's
 * root span, or the selected span (input as inputs, output as the expected output, the
 * expected tool calls the trace carries in `metadata.expected_actions`), editable before it
 * is saved through POST .../examples/from-trace (which keeps the trace, and the span, as the
 * example's source); and on the
 * traces page, every trace the current filter and time range match, in bulk (from-filter).
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { DatasetListItem } from '../../../../schema/wire/datasets.ts';
import type { TraceOut } from '../../../../schema/wire/trace.ts';
import { api } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { loadSpan } from '../../api/span-payloads.ts';
import { ExampleEditor } from './ExampleEditor.tsx';
import { draftOf, payloadObject, trajectoryFromMetadata, type ExampleDraft } from '../../lib/example-draft.ts';

function DatasetSelect({ datasets, value, onChange, label }: { datasets: DatasetListItem[]; value: string; onChange(id: string): void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Dataset…</option>
      {datasets.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </select>
  );
}

/** A span other than the root, which the example may be made from instead. */
type SpanChoice = { id: string; name?: string | null };

/** The trace page's button and, once opened, its prefilled editor. */
export function AddTraceToDataset({ trace, selectedSpan }: { trace: TraceOut; selectedSpan?: SpanChoice }) {
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState<{ dataset: DatasetListItem; version: number } | null>(null);
  return (
    <span className="add-to-dataset">
      <button type="button" className="button" onClick={() => setOpen(!open)} aria-expanded={open}>
        Add to dataset
      </button>
      {done && !open && (
        <span className="ok-note small" role="status">
          Added to <Link to={`/datasets/${encodeURIComponent(done.dataset.id)}`}>{done.dataset.name}</Link> (v{done.version})
        </span>
      )}
      {open && (
        <TraceExampleForm
          trace={trace}
          selectedSpan={selectedSpan}
          onDone={(r) => {
            setDone(r);
            setOpen(false);
          }}
          onCancel={() => setOpen(false)}
        />
      )}
    </span>
  );
}

function TraceExampleForm({ trace, selectedSpan: spanAtOpen, onDone, onCancel }: { trace: TraceOut; selectedSpan?: SpanChoice; onDone(r: { dataset: DatasetListItem; version: number }): void; onCancel(): void }) {
  const list = useApi<{ datasets: DatasetListItem[] }>('/v1/datasets');
  const [datasetId, setDatasetId] = useState('');
  // Which span the example is made of: the root (the whole trace) unless the user picks the selected span.
  const [spanId, setSpanId] = useState<string | null>(null);
  // The span selected when the form opened: moving through the tree afterwards does not change the offer.
  const [selectedSpan] = useState(spanAtOpen);
  const sourceSpan = spanId ?? trace.root_span_id;
  // The draft remembers which span it was made from: a cached span resolves in the same tick
  // as the switch, so React may never render the in-between "loading" state, and an editor
  // that outlived the switch would keep showing the previous span's payloads.
  const [loaded, setDraft] = useState<{ span: string | null; draft: ExampleDraft } | null>(null);
  const draft = loaded && loaded.span === sourceSpan ? loaded.draft : null;
  const [loadError, setLoadError] = useState<string | null>(null);

  // The editor starts from the chosen span's payloads, loaded as the span panel loads them.
  // Keyed by ids, not the trace object: the trace page reloads it (e.g. after feedback),
  // which must not throw away what the user typed.
  const traceId = trace.id;
  const [metadata] = useState(trace.metadata);
  useEffect(() => {
    let live = true;
    // The trace's expected tool calls are the whole trace's: a single span starts without them.
    const trajectory = spanId ? null : trajectoryFromMetadata(metadata);
    const start = (input: unknown, output: unknown) =>
      live && setDraft({ span: sourceSpan, draft: draftOf({ inputs: payloadObject(input, 'input') ?? {}, outputs: payloadObject(output, 'output'), expected_trajectory: trajectory, metadata: {}, tags: [], splits: ['base'] }) });
    setDraft(null);
    if (!sourceSpan) start(undefined, undefined);
    else
      loadSpan(traceId, sourceSpan).then(
        (span) => start(span.input, span.output),
        (err: Error) => {
          if (!live) return;
          setLoadError(`Could not load the span's input and output (${err.message}); fill them in.`);
          start(undefined, undefined);
        },
      );
    return () => {
      live = false;
    };
  }, [traceId, sourceSpan, spanId, metadata]);

  const datasets = list.data?.datasets ?? [];
  return (
    <div className="card add-to-dataset-form" role="dialog" aria-label="Add this trace to a dataset">
      <h2>Add this trace to a dataset</h2>
      {selectedSpan && (
        <label className="block">
          From{' '}
          <select value={spanId ?? ''} onChange={(e) => setSpanId(e.target.value || null)} aria-label="Example from">
            <option value="">the whole trace (its root span)</option>
            <option value={selectedSpan.id}>the selected span{selectedSpan.name ? ` (${selectedSpan.name})` : ''}</option>
          </select>
        </label>
      )}
      {list.data && !datasets.length ? (
        <p>
          No datasets yet. <Link to="/datasets">Make one</Link> first.
        </p>
      ) : !draft ? (
        <p className="muted">Loading the trace’s input and output…</p>
      ) : (
        <ExampleEditor
          key={sourceSpan ?? ''}
          label="Example from this trace"
          initial={draft}
          saveLabel="Add to dataset"
          onCancel={onCancel}
          onSave={async (value) => {
            if (!datasetId) throw new Error('Pick a dataset');
            const res = await api<{ version: number }>(`/v1/datasets/${encodeURIComponent(datasetId)}/examples/from-trace`, { body: { trace_id: trace.id, ...(spanId ? { span_id: spanId } : {}), example: value } });
            onDone({ dataset: datasets.find((d) => d.id === datasetId)!, version: res.version });
          }}
        >
          <label className="block">
            Dataset <DatasetSelect datasets={datasets} value={datasetId} onChange={setDatasetId} label="Dataset for this trace" />
          </label>
          {loadError && <p className="notice small">{loadError}</p>}
          <p className="muted small">Copied from the trace: the expected output starts as what the agent answered; correct it before saving.</p>
        </ExampleEditor>
      )}
    </div>
  );
}

/** The traces page's bulk control: every trace matching the filter (and time range) becomes an example, one version. */
export function AddMatchesToDataset({ filter }: { filter: { q: string; from?: number; to?: number } }) {
  const list = useApi<{ datasets: DatasetListItem[] }>('/v1/datasets');
  const [datasetId, setDatasetId] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!list.data?.datasets.length) return null;
  // The traces page's time range goes into the filter itself (from-filter takes only a filter).
  const q = [filter.q.trim(), filter.from ? `since:${new Date(filter.from).toISOString()}` : '', filter.to ? `until:${new Date(filter.to).toISOString()}` : ''].filter(Boolean).join(' ');
  const add = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const res = await api<{ version: number; examples: unknown[]; added?: number; skipped?: number }>(`/v1/datasets/${encodeURIComponent(datasetId)}/examples/from-filter`, { body: { filter: q, limit: 1000 } });
      const name = list.data!.datasets.find((d) => d.id === datasetId)?.name;
      const added = res.added ?? res.examples.length;
      setMessage({ ok: true, text: `Added ${added} to ${name} (v${res.version})${res.skipped ? `; ${res.skipped} already there` : ''}` });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="add-to-dataset">
      <DatasetSelect datasets={list.data.datasets} value={datasetId} onChange={setDatasetId} label="Dataset for matching traces" />
      <button type="button" className="button" disabled={busy || !datasetId || !q} title={q ? undefined : 'Filter the traces first'} onClick={() => void add()}>
        Add matches to dataset
      </button>
      {message && (
        <span className={message.ok ? 'ok-note small' : 'error-text small'} role="status">
          {message.text}
        </span>
      )}
    </span>
  );
}
