/**
 * A trace's trajectory as the trace page renders it: the span tree with its timeline
 * beside the selected span's conversation, tool calls, results and metadata (the same
 * SpanTimeline and SpanDetail components), with local selection and j/k to move. Used by
 * the review screen, which passes a tree whose other reviewers' answers are hidden and
 * turns the free feedback form off (the rubric is the form there).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { TraceTree } from '../../../../schema/wire/trace.ts';
import { buildSpanTree, visibleNodes } from '../../lib/span-tree.ts';
import { SpanTimeline } from './SpanTimeline.tsx';
import { SpanDetail } from '../span/SpanDetail.tsx';
import { loadSpan } from '../../api/span-payloads.ts';

interface Props {
  trace: TraceTree;
  /** Show the feedback form under the selected span. */
  feedbackForm?: boolean;
  onFeedbackSaved?(): void;
}

export function TraceView({ trace, feedbackForm = true, onFeedbackSaved }: Props) {
  const tree = useMemo(() => buildSpanTree(trace.spans), [trace]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => visibleNodes(tree, collapsed), [tree, collapsed]);
  const [selected, setSelected] = useState<string | null>(null);
  const selectedId = selected && tree.byId.has(selected) ? selected : (tree.nodes[0]?.span.id ?? null);
  // A new trace starts at its root.
  useEffect(() => {
    setSelected(null);
    setCollapsed(new Set());
  }, [trace.trace.id]);

  const toggle = useCallback((id: string) => {
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  useEffect(() => {
    const at = rows.findIndex((r) => r.span.id === selectedId);
    for (const i of [at + 1, at - 1]) if (rows[i]) void loadSpan(trace.trace.id, rows[i].span.id).catch(() => undefined);
  }, [rows, selectedId, trace.trace.id]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.metaKey || e.ctrlKey || e.altKey || (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))) return;
      const step = (delta: number) =>
        setSelected((cur) => {
          const i = rows.findIndex((r) => r.span.id === (cur ?? selectedId));
          return rows[Math.max(0, Math.min(rows.length - 1, i + delta))]?.span.id ?? cur;
        });
      if (e.key === 'j' || e.key === 'ArrowDown') step(1);
      else if (e.key === 'k' || e.key === 'ArrowUp') step(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selectedId]);

  const span = selectedId ? tree.byId.get(selectedId)?.span : undefined;
  return (
    <div className="trace-split review-trace">
      <SpanTimeline tree={tree} rows={rows} selectedId={selectedId} collapsed={collapsed} onSelect={setSelected} onToggle={toggle} />
      <div className="detail-pane">
        {span ? (
          <SpanDetail span={span} feedback={trace.feedback} isRoot={span.id === trace.trace.root_span_id} onFeedbackSaved={onFeedbackSaved ?? (() => undefined)} feedbackForm={feedbackForm} />
        ) : (
          <p className="muted">This trace has no spans yet.</p>
        )}
      </div>
    </div>
  );
}
