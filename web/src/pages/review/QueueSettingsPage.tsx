/**
 * /queues/new and /queues/:queueId/settings: a queue's name, instructions, rubric (each
 * key boolean, categorical with labelled options, a number range or free text; required or
 * optional; with what its values mean), correction, reviewers per item, who may review,
 * assigned reviewers, lease; the dataset finished reviews' corrections go to; and its
 * routing rules (filter + sampling). Owners and admins.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { QueueOut, RoutingRuleOut } from '../../../../schema/wire/review.ts';
import type { MemberOut } from '../../../../schema/wire/accounts.ts';
import type { DatasetListItem } from '../../../../schema/wire/datasets.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';

type KeyType = 'boolean' | 'categorical' | 'number' | 'text';

/** A rubric key as the form edits it (options as lines "value | label | description"). */
interface KeyDraft {
  key: string;
  label: string;
  type: KeyType;
  description: string;
  required: boolean;
  options: string;
  min: string;
  max: string;
  step: string;
}

const emptyKey = (): KeyDraft => ({ key: '', label: '', type: 'boolean', description: '', required: true, options: '', min: '1', max: '5', step: '1' });

function toDraft(k: QueueOut['rubric'][number]): KeyDraft {
  return {
    ...emptyKey(),
    key: k.key,
    label: k.label ?? '',
    type: k.type,
    description: k.description,
    required: k.required,
    options: k.type === 'categorical' ? k.options.map((o) => [o.value, o.label ?? '', o.description ?? ''].join(' | ').replace(/( \| )+$/, '')).join('\n') : '',
    min: k.type === 'number' ? String(k.min) : '1',
    max: k.type === 'number' ? String(k.max) : '5',
    step: k.type === 'number' && k.step ? String(k.step) : '',
  };
}

function fromDraft(d: KeyDraft): Record<string, unknown> {
  const base = { key: d.key.trim(), type: d.type, description: d.description, required: d.required, ...(d.label.trim() ? { label: d.label.trim() } : {}) };
  if (d.type === 'categorical') {
    const options = d.options
      .split('\n')
      .map((l) => l.split('|').map((p) => p.trim()))
      .filter((p) => p[0])
      .map(([value, label, description]) => ({ value, ...(label ? { label } : {}), ...(description ? { description } : {}) }));
    return { ...base, options };
  }
  if (d.type === 'number') return { ...base, min: Number(d.min), max: Number(d.max), ...(d.step ? { step: Number(d.step) } : {}) };
  return base;
}

export function QueueSettingsPage() {
  const { queueId } = useParams();
  const navigate = useNavigate();
  const existing = useApi<QueueOut>(queueId ? `/v1/review-queues/${encodeURIComponent(queueId)}` : null);
  const members = useApi<{ members: MemberOut[] }>('/v1/members');
  const datasets = useApi<{ datasets: DatasetListItem[] }>('/v1/datasets');
  const [name, setName] = useState('');
  const [instructions, setInstructions] = useState('');
  const [keys, setKeys] = useState<KeyDraft[]>([{ ...emptyKey(), key: 'correct', label: 'Is the answer correct?' }]);
  const [correction, setCorrection] = useState(false);
  const [perItem, setPerItem] = useState(1);
  const [role, setRole] = useState<'reviewer' | 'domain_expert' | 'both'>('reviewer');
  const [assigned, setAssigned] = useState<string[]>([]);
  const [lease, setLease] = useState(1800);
  const [datasetId, setDatasetId] = useState('');
  const [datasetTouched, setDatasetTouched] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const q = existing.data;
    if (!q) return;
    setName(q.name);
    setInstructions(q.instructions);
    setKeys(q.rubric.map(toDraft));
    setCorrection(q.correction);
    setPerItem(q.reviewers_per_item);
    setRole(q.review_role);
    setAssigned(q.assigned_reviewers);
    setLease(q.lease_seconds);
    setDatasetId((q as { dataset_id?: string | null }).dataset_id ?? '');
  }, [existing.data]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const body: Record<string, unknown> = { name, instructions, rubric: keys.map(fromDraft), correction, reviewers_per_item: perItem, review_role: role, assigned_reviewers: assigned, lease_seconds: lease };
    // `dataset_id` is sent once the picker is used (or the queue has one), so a queue that
    // never had one saves without the field.
    const hadDataset = (existing.data as { dataset_id?: string | null } | undefined)?.dataset_id;
    if (datasetId || datasetTouched || hadDataset) body.dataset_id = datasetId || null;
    try {
      if (queueId) {
        await api(`/v1/review-queues/${encodeURIComponent(queueId)}`, { method: 'PATCH', body });
        setSaved(true);
      } else {
        const created = await api<QueueOut>('/v1/review-queues', { body });
        navigate(`/queues/${encodeURIComponent(created.id)}/settings`, { replace: true });
      }
    } catch (err) {
      setError(err instanceof ApiError && err.path ? new Error(`${err.path}: ${err.message}`) : (err as Error));
    }
  };
  const patchKey = (i: number, patch: Partial<KeyDraft>) => setKeys((ks) => ks.map((k, j) => (j === i ? { ...k, ...patch } : k)));

  if (existing.error) return <div className="page"><ErrorNote error={existing.error} /></div>;
  return (
    <div className="page settings-page queue-settings">
      <p>
        <Link to={queueId ? `/queues/${encodeURIComponent(queueId)}` : '/queues'}>← {queueId ? name || 'Queue' : 'Queues'}</Link>
      </p>
      <h1>{queueId ? 'Queue settings' : 'New queue'}</h1>
      <form onSubmit={save} className="card" aria-label="Queue">
        <label className="block">
          Name <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Name" required />
        </label>
        <label className="block">
          Instructions <span className="muted small">(markdown, shown above the rubric)</span>
          <textarea value={instructions} onChange={(e) => setInstructions(e.target.value)} aria-label="Instructions" rows={3} />
        </label>
        <h2>Rubric</h2>
        {keys.map((k, i) => (
          <fieldset key={i} className="rubric-edit" aria-label={`Question ${i + 1}`}>
            <div className="inline-form">
              <label>
                Key <input value={k.key} onChange={(e) => patchKey(i, { key: e.target.value })} aria-label={`Key ${i + 1}`} size={14} required />
              </label>
              <label>
                Question <input value={k.label} onChange={(e) => patchKey(i, { label: e.target.value })} aria-label={`Question ${i + 1}`} size={30} />
              </label>
              <label>
                Type{' '}
                <select value={k.type} onChange={(e) => patchKey(i, { type: e.target.value as KeyType })} aria-label={`Type ${i + 1}`}>
                  <option value="boolean">yes / no</option>
                  <option value="categorical">categories</option>
                  <option value="number">number in a range</option>
                  <option value="text">free text</option>
                </select>
              </label>
              <label className="check">
                <input type="checkbox" checked={k.required} onChange={(e) => patchKey(i, { required: e.target.checked })} /> required
              </label>
              <button type="button" className="button subtle danger" onClick={() => setKeys((ks) => ks.filter((_, j) => j !== i))} disabled={keys.length === 1}>
                Remove
              </button>
            </div>
            <label className="block">
              What the values mean
              <textarea value={k.description} onChange={(e) => patchKey(i, { description: e.target.value })} aria-label={`Description ${i + 1}`} rows={1} />
            </label>
            {k.type === 'categorical' && (
              <label className="block">
                Options <span className="muted small">(one per line: value | label | what it means; digits 1–9 pick them)</span>
                <textarea value={k.options} onChange={(e) => patchKey(i, { options: e.target.value })} aria-label={`Options ${i + 1}`} rows={3} />
              </label>
            )}
            {k.type === 'number' && (
              <div className="inline-form">
                <label>
                  Min <input value={k.min} onChange={(e) => patchKey(i, { min: e.target.value })} aria-label={`Min ${i + 1}`} size={5} />
                </label>
                <label>
                  Max <input value={k.max} onChange={(e) => patchKey(i, { max: e.target.value })} aria-label={`Max ${i + 1}`} size={5} />
                </label>
                <label>
                  Step <input value={k.step} onChange={(e) => patchKey(i, { step: e.target.value })} aria-label={`Step ${i + 1}`} size={5} />
                </label>
              </div>
            )}
          </fieldset>
        ))}
        <button type="button" className="button" onClick={() => setKeys((ks) => [...ks, emptyKey()])}>
          Add a question
        </button>
        <h2>Reviewing</h2>
        <div className="inline-form">
          <label className="check">
            <input type="checkbox" checked={correction} onChange={(e) => setCorrection(e.target.checked)} aria-label="Ask for a correction" /> ask for a corrected output
          </label>
          <label>
            Reviewers per item <input type="number" min={1} max={10} value={perItem} onChange={(e) => setPerItem(Number(e.target.value))} aria-label="Reviewers per item" size={3} />
          </label>
          <label>
            Who reviews{' '}
            <select value={role} onChange={(e) => setRole(e.target.value as typeof role)} aria-label="Who reviews">
              <option value="reviewer">reviewers</option>
              <option value="domain_expert">domain experts</option>
              <option value="both">both</option>
            </select>
          </label>
          <label>
            Lease (s) <input type="number" min={30} max={86400} value={lease} onChange={(e) => setLease(Number(e.target.value))} aria-label="Lease seconds" size={6} />
          </label>
        </div>
        <label className="block">
          Dataset <span className="muted small">(every finished review with a correction or written criteria adds or updates an example there; the correction is its expected output)</span>{' '}
          <select
            value={datasetId}
            onChange={(e) => {
              setDatasetId(e.target.value);
              setDatasetTouched(true);
            }}
            aria-label="Dataset for corrections"
          >
            <option value="">none</option>
            {datasets.data?.datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="assigned">
          <legend>Assigned reviewers (none: anyone with the role)</legend>
          {members.data?.members
            .filter((m) => m.role !== 'viewer')
            .map((m) => (
              <label key={m.user_id} className="check">
                <input type="checkbox" checked={assigned.includes(m.user_id)} onChange={(e) => setAssigned((a) => (e.target.checked ? [...a, m.user_id] : a.filter((x) => x !== m.user_id)))} /> {m.email}
              </label>
            ))}
        </fieldset>
        {error && <ErrorNote error={error} />}
        <div className="form-actions">
          <button type="submit" className="button primary">
            {queueId ? 'Save' : 'Create queue'}
          </button>
          {saved && (
            <span className="ok-note" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
      {queueId && <RoutingRules queueId={queueId} />}
    </div>
  );
}

/** A queue's routing rules: add (filter + sampling), pause/resume, delete. */
function RoutingRules({ queueId }: { queueId: string }) {
  const base = `/v1/review-queues/${encodeURIComponent(queueId)}/rules`;
  const rules = useApi<{ rules: RoutingRuleOut[] }>(base);
  const [filter, setFilter] = useState('');
  const [rate, setRate] = useState(100);
  const [error, setError] = useState<Error | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      rules.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section className="card" aria-labelledby="routing-h">
      <h2 id="routing-h">Routing rules</h2>
      <p className="muted small">
        Traces matching a rule enter this queue when they complete and whenever feedback or scores arrive, e.g. <code>feedback.thumbs=0 or score.helpfulness&lt;0.5</code> or{' '}
        <code>tag=legal</code>. A trace enters at most once.
      </p>
      <ul className="rules-list">
        {rules.data?.rules.map((r) => (
          <li key={r.id} data-rule={r.filter}>
            <code>{r.filter || '(every trace)'}</code> <span className="muted small">{Math.round(r.sampling_rate * 100)}%</span>{' '}
            <button type="button" className="link" onClick={() => void run(() => api(`${base}/${r.id}`, { method: 'PATCH', body: { active: !r.active } }))}>
              {r.active ? 'pause' : 'resume'}
            </button>{' '}
            <button type="button" className="link danger" onClick={() => void run(() => api(`${base}/${r.id}`, { method: 'DELETE' }))}>
              delete
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api(base, { body: { filter, sampling_rate: rate / 100 } });
            setFilter('');
          });
        }}
      >
        <input value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Rule filter" placeholder="feedback.thumbs=0" size={40} />
        <label>
          Sample <input type="number" min={0} max={100} value={rate} onChange={(e) => setRate(Number(e.target.value))} aria-label="Sampling percent" size={4} />%
        </label>
        <button type="submit" className="button">
          Add rule
        </button>
      </form>
      {error && <ErrorNote error={error} />}
    </section>
  );
}
