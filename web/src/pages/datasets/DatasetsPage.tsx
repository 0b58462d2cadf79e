/**
 * /datasets: the project's datasets with their live example counts, latest version and
 * tags, and a form to make one (name, description, optional JSON Schemas for inputs and
 * expected outputs, which the API checks on every write of an example).
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type { DatasetListItem, DatasetOut } from '../../../../schema/wire/datasets.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { formatTime } from '../../lib/format.ts';

export function DatasetsPage() {
  const list = useApi<{ datasets: DatasetListItem[] }>('/v1/datasets');
  const [creating, setCreating] = useState(false);
  return (
    <div className="page datasets-page">
      <div className="page-head">
        <h1>Datasets</h1>
        {!creating && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New dataset
          </button>
        )}
      </div>
      {creating && <CreateDataset onCancel={() => setCreating(false)} />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && !list.data.datasets.length && (
        <p className="empty">No datasets yet. Make one here, or add traces to one from a trace (“Add to dataset”), from a filter on the traces page, or from a review queue.</p>
      )}
      {!!list.data?.datasets.length && (
        <div className="table-wrap">
          <table className="table datasets-table">
            <thead>
              <tr>
                <th>Dataset</th>
                <th>Examples</th>
                <th>Latest version</th>
                <th>Tags</th>
                <th>Changed</th>
              </tr>
            </thead>
            <tbody>
              {list.data.datasets.map((d) => (
                <tr key={d.id} data-dataset={d.name}>
                  <td>
                    <Link to={`/datasets/${encodeURIComponent(d.id)}`}>{d.name}</Link>
                    {d.description && <div className="muted small">{d.description}</div>}
                  </td>
                  <td className="num">{d.example_count}</td>
                  <td className="num">v{d.latest_version}</td>
                  <td>
                    {d.tags.map((t) => (
                      <span key={t.tag} className="tag-chip" title={`version ${t.version}`}>
                        {t.tag} → v{t.version}
                      </span>
                    ))}
                  </td>
                  <td className="muted small">{formatTime(d.modified_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

type SchemaField = 'inputs_schema' | 'outputs_schema';

function CreateDataset({ onCancel }: { onCancel(): void }) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [schemas, setSchemas] = useState<Record<SchemaField, string>>({ inputs_schema: '', outputs_schema: '' });
  const [errors, setErrors] = useState<Partial<Record<'name' | SchemaField, string>>>({});
  const [general, setGeneral] = useState<Error | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    const next: typeof errors = {};
    const body: Record<string, unknown> = { name: name.trim(), description };
    for (const f of ['inputs_schema', 'outputs_schema'] as const) {
      if (!schemas[f].trim()) continue;
      try {
        body[f] = JSON.parse(schemas[f]);
      } catch (err) {
        next[f] = `not valid JSON (${(err as Error).message})`;
      }
    }
    setErrors(next);
    if (Object.keys(next).length) return;
    try {
      const d = await api<DatasetOut>('/v1/datasets', { body });
      navigate(`/datasets/${encodeURIComponent(d.id)}`);
    } catch (err) {
      const field = err instanceof ApiError ? (['name', 'inputs_schema', 'outputs_schema'] as const).find((f) => err.path?.startsWith(f)) : undefined;
      if (field) setErrors({ [field]: (err as Error).message });
      else setGeneral(err as Error);
    }
  };
  const fieldError = (f: keyof typeof errors) =>
    errors[f] && (
      <p className="error-text small field-error" role="alert">
        {errors[f]}
      </p>
    );
  return (
    <form className="card dataset-create" onSubmit={submit} aria-label="New dataset" noValidate>
      <label className="block">
        Name <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Dataset name" required />
      </label>
      {fieldError('name')}
      <label className="block">
        Description <input value={description} onChange={(e) => setDescription(e.target.value)} aria-label="Description" />
      </label>
      <div className="schema-pair">
        {(['inputs_schema', 'outputs_schema'] as const).map((f) => (
          <div key={f} className={errors[f] ? 'has-error' : undefined}>
            <label className="block">
              {f === 'inputs_schema' ? 'Inputs schema' : 'Expected output schema'} <span className="muted small">(JSON Schema, optional; checked on every write)</span>
              <textarea
                className="mono"
                rows={5}
                value={schemas[f]}
                onChange={(e) => setSchemas({ ...schemas, [f]: e.target.value })}
                aria-label={f === 'inputs_schema' ? 'Inputs schema' : 'Outputs schema'}
                placeholder={f === 'inputs_schema' ? '{"type": "object", "required": ["question"]}' : '{"type": "object"}'}
              />
            </label>
            {fieldError(f)}
          </div>
        ))}
      </div>
      {general && <ErrorNote error={general} />}
      <div className="form-actions">
        <button type="submit" className="button primary">
          Create dataset
        </button>
        <button type="button" className="button subtle" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
