/**
 * JSON as a collapsible tree. Objects and arrays open to `openDepth` levels; long arrays
 * show their first items with a control for the rest; strings render as text (never HTML).
 */
import { useState } from 'react';
import { FoldText } from './FoldText.tsx';

const ARRAY_PAGE = 100;

/** A JSON value as a tree. */
export function JsonView({ value, openDepth = 2 }: { value: unknown; openDepth?: number }) {
  return (
    <div className="json-view">
      <JsonNode value={value} depth={0} openDepth={openDepth} />
    </div>
  );
}

function JsonNode({ value, depth, openDepth, label }: { value: unknown; depth: number; openDepth: number; label?: string }) {
  const isArray = Array.isArray(value);
  const isObject = typeof value === 'object' && value !== null;
  const [open, setOpen] = useState(depth < openDepth);
  const [limit, setLimit] = useState(ARRAY_PAGE);
  const key = label !== undefined ? <span className="json-key">{label}: </span> : null;
  if (!isObject) return <div className="json-row">{key}<JsonScalar value={value} /></div>;
  const entries: [string, unknown][] = isArray ? (value as unknown[]).map((v, i) => [String(i), v]) : Object.entries(value as object);
  const summary = isArray ? `[${entries.length}]` : `{${entries.length}}`;
  if (entries.length === 0) return <div className="json-row">{key}<span className="json-punct">{isArray ? '[]' : '{}'}</span></div>;
  return (
    <div className="json-node">
      <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="json-caret">{open ? '▾' : '▸'}</span>
        {key}
        <span className="json-punct">{summary}</span>
        {!open && <span className="json-preview">{preview(value)}</span>}
      </button>
      {open && (
        <div className="json-children">
          {entries.slice(0, limit).map(([k, v]) => (
            <JsonNode key={k} label={k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
          {entries.length > limit && (
            <button type="button" className="link" onClick={() => setLimit(limit + ARRAY_PAGE * 10)}>
              Show {Math.min(entries.length - limit, ARRAY_PAGE * 10)} more of {entries.length - limit}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function JsonScalar({ value }: { value: unknown }) {
  if (typeof value === 'string') return <FoldText text={value} render={(t) => <span className="json-string">"{t}"</span>} />;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return <span className="json-null">null</span>;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? ` ${text.slice(0, 80)}…` : ` ${text}`;
}
