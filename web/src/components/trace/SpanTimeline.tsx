/**
 * The span tree and its timeline side by side, one row per span: the tree cell (indent,
 * expand toggle, kind, name) on the left, the waterfall bar on the right, so both scroll
 * together. Rows are virtualized (@tanstack/react-virtual): only the ~40 rows on screen
 * exist in the DOM, which keeps a 10,000-span trace interactive in well under a second.
 */
import { memo, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { SpanNode, SpanTree } from '../../lib/span-tree.ts';
import { formatDuration } from '../../lib/format.ts';

/** Height of one row in px (fixed, so the virtualizer needs no measuring). */
export const ROW_HEIGHT = 30;

interface Props {
  tree: SpanTree;
  rows: SpanNode[];
  selectedId: string | null;
  collapsed: ReadonlySet<string>;
  onSelect(id: string): void;
  onToggle(id: string): void;
}

export function SpanTimeline({ tree, rows, selectedId, collapsed, onSelect, onToggle }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const selectedRow = selectedId ? rows.findIndex((r) => r.span.id === selectedId) : -1;

  // Keep the selected span in view when the keyboard or a deep link moves the selection.
  useEffect(() => {
    if (selectedRow >= 0) virtualizer.scrollToIndex(selectedRow, { align: 'auto' });
  }, [selectedRow, virtualizer]);

  const duration = tree.endMs - tree.startMs;
  return (
    <div className="timeline" role="tree" aria-label="Spans" aria-activedescendant={selectedId ? rowDomId(selectedId) : undefined}>
      <div className="timeline-head">
        <span className="timeline-head-tree">
          {tree.nodes.length.toLocaleString('en-US')} span{tree.nodes.length === 1 ? '' : 's'}
        </span>
        <span className="timeline-head-bars">
          <span>0</span>
          <span>{formatDuration(duration / 2)}</span>
          <span>{formatDuration(duration)}</span>
        </span>
      </div>
      <div className="timeline-scroll" ref={scroller}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const node = rows[item.index];
            return (
              <Row
                key={node.span.id}
                node={node}
                top={item.start}
                selected={node.span.id === selectedId}
                collapsed={collapsed.has(node.span.id)}
                onSelect={onSelect}
                onToggle={onToggle}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Where a bar's duration label goes: after the bar, before it (bars ending near the right edge), or inside (wide bars). */
function labelPlace(node: SpanNode): 'after' | 'before' | 'inside' {
  if (node.width > 0.35) return 'inside';
  return node.offset + node.width > 0.8 ? 'before' : 'after';
}

function labelStyle(node: SpanNode) {
  const place = labelPlace(node);
  if (place === 'inside') return { right: `${(1 - node.offset - node.width) * 100}%`, paddingRight: '0.3rem' };
  if (place === 'before') return { right: `${(1 - node.offset) * 100}%`, paddingRight: '0.3rem' };
  return { left: `${(node.offset + node.width) * 100}%`, paddingLeft: '0.3rem' };
}

/** The DOM id of a span's row (for aria-activedescendant and tests). */
export const rowDomId = (spanId: string) => `span-row-${spanId.replace(/[^A-Za-z0-9_-]/g, '_')}`;

const Row = memo(function Row({
  node,
  top,
  selected,
  collapsed,
  onSelect,
  onToggle,
}: {
  node: SpanNode;
  top: number;
  selected: boolean;
  collapsed: boolean;
  onSelect(id: string): void;
  onToggle(id: string): void;
}) {
  const { span } = node;
  return (
    <div
      id={rowDomId(span.id)}
      role="treeitem"
      aria-selected={selected}
      aria-level={node.depth + 1}
      aria-expanded={node.childCount ? !collapsed : undefined}
      data-span-id={span.id}
      className={`span-row${selected ? ' selected' : ''}${span.status === 'error' ? ' has-error' : ''}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => onSelect(span.id)}
    >
      <div className="span-cell" style={{ paddingLeft: 6 + Math.min(node.depth, 24) * 14 }}>
        {node.childCount ? (
          <button
            type="button"
            className="twisty"
            aria-label={collapsed ? 'Expand' : 'Collapse'}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(span.id);
            }}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="twisty-space" />
        )}
        <span className={`kind kind-${span.kind}`}>{span.kind}</span>
        <span className="span-name" title={span.name ?? span.id}>
          {span.name ?? span.id}
        </span>
        {span.status === 'error' && <span className="error-dot" title="error" aria-label="error" />}
      </div>
      <div className="bar-cell" title={formatDuration(span.latency_ms)}>
        <span className={`bar kind-bg-${span.kind}`} style={{ left: `${node.offset * 100}%`, width: `max(2px, ${node.width * 100}%)` }} />
        <span className={`bar-label${labelPlace(node) === 'inside' ? ' inside' : ''}`} style={labelStyle(node)}>
          {formatDuration(span.latency_ms)}
        </span>
      </div>
    </div>
  );
});
