/**
 * One example in the dataset's table: a summary row that opens to every field, and (at the
 * latest version) Edit, which PATCHes the example as a new version, and Archive (a pinned
 * example needs an owner/admin and a reason, which the API checks and keeps).
 */
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import type { Example } from '../../../../schema/wire/datasets.ts';
import { api } from '../../api/client.ts';
import { JsonView } from '../JsonView.tsx';
import { Problem } from '../Problem.tsx';
import { ExampleEditor } from './ExampleEditor.tsx';
import { draftOf } from '../../lib/example-draft.ts';

const preview = (v: unknown) => {
  if (v === null || v === undefined) return '–';
  const text = JSON.stringify(v);
  return text.length > 90 ? `${text.slice(0, 90)}…` : text;
};

interface Props {
  datasetId: string;
  example: Example;
  /** Editing is only offered at the latest version (older versions are history). */
  editable: boolean;
  onChanged(message: string): void;
}

export function ExampleRow({ datasetId, example: e, editable, onChanged }: Props) {
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [archiving, setArchiving] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const base = `/v1/datasets/${encodeURIComponent(datasetId)}/examples/${encodeURIComponent(e.id)}`;

  const archive = async () => {
    setError(null);
    try {
      await api(`${base}/archive`, { body: reason.trim() ? { reason: reason.trim() } : {} });
      setArchiving(false);
      onChanged(`Archived ${e.id.slice(0, 8)}`);
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <Fragment>
      <tr className={`example-row${e.archived ? ' archived' : ''}`} data-example={e.id} aria-expanded={open}>
        <td>
          <button type="button" className="link mono small" onClick={() => setOpen(!open)} aria-label={`Open example ${e.id}`}>
            {open ? '▾' : '▸'} {e.id.slice(0, 8)}
          </button>
        </td>
        <td className="mono small ellipsis">{preview(e.inputs)}</td>
        <td className="mono small ellipsis" data-col="outputs">
          {preview(e.outputs)}
        </td>
        <td className="small">{e.splits.join(', ')}</td>
        <td className="small">
          {e.tags.map((t) => (
            <span key={t} className={`tag-chip${t === 'pinned' ? ' pinned' : ''}`}>
              {t}
            </span>
          ))}
          {e.archived && <span className="tag-chip archived">archived</span>}
        </td>
        <td className="num small">v{e.version}</td>
      </tr>
      {open && (
        <tr className="example-detail">
          <td colSpan={6}>
            {editing ? (
              <ExampleEditor
                label={`Edit example ${e.id}`}
                initial={draftOf(e)}
                saveLabel="Save as new version"
                onCancel={() => setEditing(false)}
                onSave={async (value) => {
                  const saved = await api<Example>(base, { method: 'PATCH', body: value });
                  setEditing(false);
                  onChanged(saved.version === e.version ? 'Nothing changed' : `Saved as version ${saved.version}`);
                }}
              />
            ) : (
              <div className="example-fields">
                <Field name="Inputs" value={e.inputs} />
                <Field name="Expected output" value={e.outputs} />
                {e.criteria && (
                  <div className="example-field">
                    <h4>Criteria</h4>
                    <p className="pre-wrap">{e.criteria}</p>
                  </div>
                )}
                <Field name="Expected tool calls" value={e.expected_trajectory} />
                <Field name="Metadata" value={e.metadata} />
                <div className="example-field small muted">
                  <Provenance source={e.source} />
                  last changed at v{e.version}, {new Date(e.modified_at).toLocaleString()}
                  {e.archived && e.archive_reason && <> · archived: {e.archive_reason}</>}
                </div>
                {editable && !e.archived && (
                  <div className="form-actions">
                    <button type="button" className="button" onClick={() => setEditing(true)}>
                      Edit
                    </button>
                    {archiving ? (
                      <span className="inline-form">
                        <input value={reason} onChange={(ev) => setReason(ev.target.value)} aria-label="Archive reason" placeholder={e.tags.includes('pinned') ? 'reason (required: pinned)' : 'reason (optional)'} size={30} />
                        <button type="button" className="button danger" onClick={() => void archive()}>
                          Archive
                        </button>
                        <button type="button" className="button subtle" onClick={() => setArchiving(false)}>
                          Cancel
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="button subtle danger" onClick={() => setArchiving(true)}>
                        Archive…
                      </button>
                    )}
                  </div>
                )}
                <Problem error={error} />
              </div>
            )}
          </td>
        </tr>
      )}
    </Fragment>
  );
}

function Field({ name, value }: { name: string; value: unknown }) {
  if (value === null || value === undefined) return null;
  return (
    <div className="example-field">
      <h4>{name}</h4>
      <JsonView value={value} />
    </div>
  );
}

/** Where the example came from: its trace (or span), and the queue, review or feedback that made it. */
function Provenance({ source }: { source: Example['source'] }) {
  if (!source) return null;
  const parts = [
    source.trace_id && (
      <span key="t">
        from trace <Link to={`/traces/${encodeURIComponent(source.trace_id)}${source.span_id ? `?span=${encodeURIComponent(source.span_id)}` : ''}`}>{source.trace_id}</Link>
        {source.span_id ? ` (span ${source.span_id})` : ''}
      </span>
    ),
    source.queue_id && (
      <span key="q">
        queue <Link to={`/queues/${encodeURIComponent(source.queue_id)}`}>{source.queue_id}</Link>
      </span>
    ),
    source.review_id && <span key="r">review {source.review_id}</span>,
    source.feedback_id && <span key="f">feedback {source.feedback_id}</span>,
  ].filter(Boolean);
  if (!parts.length) return null;
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i ? ' · ' : ''}
          {p}
        </Fragment>
      ))}
      {' · '}
    </>
  );
}
