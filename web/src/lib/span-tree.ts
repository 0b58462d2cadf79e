/**
 * The span tree as rows: depth, children and timeline position for every span, and the
 * rows visible under the current collapsed set. Linear in the number of spans, because a
 * trace may hold 10,000 of them and this runs on every expand or collapse.
 */
import type { SpanOut } from '../../../schema/wire/span.ts';

/** One span placed in the tree. */
export interface SpanNode {
  span: SpanOut;
  index: number;
  depth: number;
  parentIndex: number;
  childCount: number;
  /** Offset and width on the timeline, as fractions of the trace's duration (0..1). */
  offset: number;
  width: number;
  startMs: number | null;
}

/** The tree of a trace. */
export interface SpanTree {
  nodes: SpanNode[];
  byId: Map<string, SpanNode>;
  startMs: number;
  endMs: number;
}

/**
 * Builds the tree from spans in depth-first order (as GET /v1/traces/{id} returns them).
 * Spans whose parent is missing are roots.
 */
export function buildSpanTree(spans: SpanOut[]): SpanTree {
  const byId = new Map<string, SpanNode>();
  let startMs = Infinity;
  let endMs = -Infinity;
  const times = spans.map((s) => {
    const start = s.start_time ? Date.parse(s.start_time) : null;
    const end = s.end_time ? Date.parse(s.end_time) : start;
    if (start != null) startMs = Math.min(startMs, start);
    if (end != null) endMs = Math.max(endMs, end);
    return { start, end };
  });
  if (!Number.isFinite(startMs)) startMs = endMs = 0;
  const total = Math.max(endMs - startMs, 1);
  const nodes: SpanNode[] = spans.map((span, index) => {
    const { start, end } = times[index];
    const offset = start == null ? 0 : (start - startMs) / total;
    const width = start == null ? 0 : Math.max(((end ?? start) - start) / total, 0);
    return { span, index, depth: 0, parentIndex: -1, childCount: 0, offset, width, startMs: start };
  });
  for (const node of nodes) byId.set(node.span.id, node);
  for (const node of nodes) {
    const parent = node.span.parent_id ? byId.get(node.span.parent_id) : undefined;
    // Depth-first order puts parents first, so the parent's depth is already known.
    if (parent && parent.index < node.index) {
      node.parentIndex = parent.index;
      node.depth = parent.depth + 1;
      parent.childCount++;
    }
  }
  return { nodes, byId, startMs, endMs: Math.max(endMs, startMs) };
}

/** The rows shown when the spans in `collapsed` hide their descendants. */
export function visibleNodes(tree: SpanTree, collapsed: ReadonlySet<string>): SpanNode[] {
  if (collapsed.size === 0) return tree.nodes;
  const out: SpanNode[] = [];
  let hideDeeperThan = Infinity;
  for (const node of tree.nodes) {
    if (node.depth > hideDeeperThan) continue;
    hideDeeperThan = Infinity;
    out.push(node);
    if (node.childCount && collapsed.has(node.span.id)) hideDeeperThan = node.depth;
  }
  return out;
}

/** The ids of a span's ancestors, nearest first (to expand the path to a deep-linked span). */
export function ancestorIds(tree: SpanTree, id: string): string[] {
  const out: string[] = [];
  let node = tree.byId.get(id);
  while (node && node.parentIndex >= 0) {
    node = tree.nodes[node.parentIndex];
    out.push(node.span.id);
  }
  return out;
}
