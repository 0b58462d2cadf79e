/**
 * /traces/:traceId[?span=<spanId>]: one trace. The span tree with its timeline on one
 * side, the selected span on the other (stacked on a phone). The selection lives in the
 * URL so a span can be linked; j/k or the arrow keys move through spans, left/right
 * collapse and expand.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';
import type { TraceTree } from '../../../../schema/wire/trace.ts';
import { useApi } from '../../api/use-api.ts';
import { ApiError } from '../../api/client.ts';
import { ancestorIds, buildSpanTree, visibleNodes } from '../../lib/span-tree.ts';
import { formatCost, formatDuration, formatTime, formatTokens } from '../../lib/format.ts';
import { SpanTimeline } from '../../components/trace/SpanTimeline.tsx';
import { SpanDetail } from '../../components/span/SpanDetail.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { FeedbackBadges } from '../../components/FeedbackBadges.tsx';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { loadSpan } from '../../api/span-payloads.ts';
import { AddToQueue } from '../../components/AddToQueue.tsx';
import { AddTraceToDataset } from '../../components/datasets/AddToDataset.tsx';

export function TracePage() {
  const { traceId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const back = (location.state as { from?: string } | null)?.from ?? '/traces';
  // The tree without payloads: fast for any size; each span's input/output loads on selection.
  const { data, error, reload } = useApi<TraceTree>(`/v1/traces/${encodeURIComponent(traceId)}?payloads=false`);
  const trace = data && data.trace.id === traceId ? data : undefined;

  const tree = useMemo(() => (trace ? buildSpanTree(trace.spans) : null), [trace]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => (tree ? visibleNodes(tree, collapsed) : []), [tree, collapsed]);
  const requested = params.get('span');
  // The selection is local state (so fast key repeats each move one row) mirrored into
  // the URL with replace, so the address bar always deep-links the selected span.
  const [selected, setSelected] = useState<string | null>(requested);
  const selectedId = tree && selected && tree.byId.has(selected) ? selected : (tree?.nodes[0]?.span.id ?? null);
  // URL writes land after a render, so with fast key repeats the URL can echo a span the
  // selection has already left. Writes we made are remembered until they echo back, and
  // only a URL we did not write (a navigation) moves the selection from outside. Whether
  // the URL needs a write is decided against the URL it is heading for (our newest write
  // still in flight, else the rendered one), not the URL as rendered: that may be an older
  // write still echoing, and skipping a write because it matches it would leave the newest
  // write (a different span) in the bar.
  const pendingWrites = useRef<string[]>([]);
  useEffect(() => {
    const at = requested ? pendingWrites.current.indexOf(requested) : -1;
    if (at >= 0) {
      pendingWrites.current.splice(0, at + 1);
      return;
    }
    pendingWrites.current = [];
    if (requested && requested !== selected) setSelected(requested);
  }, [requested]);
  useEffect(() => {
    if (!selected || selected === (pendingWrites.current.at(-1) ?? requested)) return;
    pendingWrites.current.push(selected);
    const p = new URLSearchParams(params);
    p.set('span', selected);
    setParams(p, { replace: true, state: location.state });
  }, [selected]);

  // A deep link to a span inside a collapsed branch opens the branch.
  useEffect(() => {
    if (!tree || !selected || !tree.byId.has(selected)) return;
    const ancestors = ancestorIds(tree, selected);
    setCollapsed((c) => (ancestors.some((id) => c.has(id)) ? new Set([...c].filter((id) => !ancestors.includes(id))) : c));
  }, [tree, selected]);

  const select = useCallback((id: string) => setSelected(id), []);
  const toggle = useCallback(
    (id: string) => {
      const collapsing = !collapsed.has(id);
      // Collapsing the branch that holds the selection moves the selection to the branch.
      if (collapsing && tree && selectedId && ancestorIds(tree, selectedId).includes(id)) setSelected(id);
      setCollapsed((c) => {
        const next = new Set(c);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
    },
    [collapsed, tree, selectedId],
  );

  // Load the selected span's neighbours ahead, so moving with j/k shows them at once.
  useEffect(() => {
    if (!tree || !selectedId) return;
    const at = rows.findIndex((r) => r.span.id === selectedId);
    for (const i of [at + 1, at - 1, at + 2]) if (rows[i]) void loadSpan(traceId, rows[i].span.id).catch(() => undefined);
  }, [tree, rows, selectedId, traceId]);

  // User Timing mark for bench/ui.ts: the trace's rows and its first span are on screen.
  useEffect(() => {
    if (tree) performance.mark('loupe:trace-rendered', { detail: { spans: tree.nodes.length } });
  }, [tree]);

  // Keyboard: j/k and up/down move, left collapses (or goes to the parent), right expands.
  useEffect(() => {
    if (!tree) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.metaKey || e.ctrlKey || e.altKey || (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) return;
      const at = rows.findIndex((r) => r.span.id === selectedId);
      const node = at >= 0 ? rows[at] : undefined;
      const step = (delta: number) =>
        setSelected((cur) => {
          const i = rows.findIndex((r) => r.span.id === (cur ?? selectedId));
          return rows[Math.max(0, Math.min(rows.length - 1, i + delta))]?.span.id ?? cur;
        });
      if (e.key === 'j' || e.key === 'ArrowDown') {
        step(1);
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        step(-1);
      } else if (e.key === 'ArrowLeft' || e.key === 'h') {
        if (node && node.childCount && !collapsed.has(node.span.id)) toggle(node.span.id);
        else if (node && node.parentIndex >= 0) select(tree.nodes[node.parentIndex].span.id);
      } else if (e.key === 'ArrowRight' || e.key === 'l') {
        if (node && node.childCount && collapsed.has(node.span.id)) toggle(node.span.id);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [tree, rows, selectedId, collapsed, select, toggle]);

  if (error) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div className="page">
        <p>
          <Link to={back}>← Traces</Link>
        </p>
        {notFound ? (
          <div className="not-found" role="alert">
            <h1>Trace not found</h1>
            <p>
              There is no trace <code>{traceId}</code> in this project. It may belong to another project, or it has not been indexed yet.
            </p>
          </div>
        ) : (
          <ErrorNote error={error} />
        )}
      </div>
    );
  }
  if (!trace || !tree) return <div className="page muted">Loading trace…</div>;

  const t = trace.trace;
  const selectedSpan = selectedId ? tree.byId.get(selectedId)?.span : undefined;
  return (
    <div className="page trace-page">
      <header className="trace-head">
        <Link to={back} className="back">
          ← Traces
        </Link>
        <h1 className="trace-title">{t.name ?? t.id}</h1>
        <StatusBadge status={t.status} />
        <div className="trace-facts muted small">
          <span className="mono">{t.id}</span>
          <span>{formatTime(t.start_time)}</span>
          <span>{formatDuration(t.latency_ms)}</span>
          <span>{formatTokens(t.usage.total_tokens)} tokens</span>
          <span>{formatCost(t.usage.cost_usd)}</span>
          {t.environment && <span>{t.environment}</span>}
          {t.session_id && (
            <Link to={`/threads/${encodeURIComponent(t.session_id)}`} className="thread-link-row" title={`session ${t.session_id}`}>
              Thread ↗
            </Link>
          )}
          <FeedbackBadges feedback={t.feedback} />
        </div>
        <AddToQueue traceId={t.id} />
        <AddTraceToDataset trace={t} selectedSpan={selectedSpan && selectedSpan.id !== t.root_span_id ? { id: selectedSpan.id, name: selectedSpan.name } : undefined} />
      </header>
      <div className="trace-split">
        <SpanTimeline tree={tree} rows={rows} selectedId={selectedId} collapsed={collapsed} onSelect={select} onToggle={toggle} />
        <div className="detail-pane">
          {selectedSpan ? <SpanDetail span={selectedSpan} feedback={trace.feedback} isRoot={selectedSpan.id === t.root_span_id} onFeedbackSaved={reload} /> : <p className="muted">This trace has no spans yet.</p>}
        </div>
      </div>
    </div>
  );
}
