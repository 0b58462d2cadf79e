/**
 * Creates or changes a rule: its filter in the shared language (the traces' FilterBar:
 * errors at their position, autocomplete from the project's vocabulary), the sampling rate,
 * the evaluators it runs, and whether it runs on new traces.
 */
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { FilterBar } from '../FilterBar.tsx';
import { checkFilter } from '../../lib/filter-completions.ts';
import { FieldError, KindBadge } from './common.tsx';

interface Props {
  rule?: RuleOut;
  /** Evaluators to start with (e.g. from an evaluator's page). */
  preselect?: string[];
  onSaved(rule: RuleOut): void;
  onCancel(): void;
}

export function RuleForm({ rule, preselect = [], onSaved, onCancel }: Props) {
  const facets = useApi<TraceFacets>('/v1/traces/facets');
  const evaluators = useApi<{ evaluators: EvaluatorOut[] }>('/v1/evaluators');
  const [name, setName] = useState(rule?.name ?? '');
  const [filter, setFilter] = useState(rule?.filter ?? '');
  const [percent, setPercent] = useState(String(Math.round((rule?.sampling_rate ?? 1) * 1000) / 10));
  const [chosen, setChosen] = useState<string[]>(rule?.evaluator_ids ?? preselect);
  const [active, setActive] = useState(rule?.active ?? true);
  // Fixed at creation: a rule evaluates traces, or threads (conversations) once idle.
  const [target, setTarget] = useState<'trace' | 'thread'>(rule?.target ?? 'trace');
  const [idle, setIdle] = useState(String(rule?.idle_minutes ?? 30));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [attempted, setAttempted] = useState(false);

  const filterProblem = checkFilter(filter);
  const rate = Number(percent) / 100;
  const problems: Record<string, string> = {};
  if (!name.trim()) problems.name = 'required';
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) problems.sampling_rate = 'a percentage from 0 to 100';
  if (!chosen.length) problems.evaluator_ids = 'choose at least one evaluator';
  if (chosen.length > 20) problems.evaluator_ids = 'at most 20 evaluators';
  const idleMinutes = Number(idle);
  if (target === 'thread' && (!Number.isInteger(idleMinutes) || idleMinutes < 1 || idleMinutes > 10080)) problems.idle_minutes = 'whole minutes from 1 to 10080 (a week)';
  const apiError = error instanceof ApiError ? error : null;
  const at = (field: string) => (attempted ? problems[field] : undefined) ?? (apiError?.path === field || apiError?.path?.startsWith(`${field}[`) ? apiError.message : undefined);
  const serverFilterError = apiError?.code === 'invalid_filter' ? { message: apiError.message, position: apiError.position ?? 0, end: apiError.end ?? filter.length } : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    setError(null);
    if (Object.keys(problems).length || filterProblem) return;
    const body = {
      name: name.trim(),
      filter: filter.trim(),
      sampling_rate: rate,
      evaluator_ids: chosen,
      active,
      ...(target === 'thread' ? { idle_minutes: idleMinutes } : {}),
      ...(rule ? {} : { target }),
    };
    setBusy(true);
    try {
      onSaved(rule ? await api<RuleOut>(`/v1/rules/${encodeURIComponent(rule.id)}`, { method: 'PATCH', body }) : await api<RuleOut>('/v1/rules', { body }));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const list = evaluators.data?.evaluators ?? [];
  return (
    <form className="stack-form card" onSubmit={submit} aria-label={rule ? `Edit rule ${rule.name}` : 'New rule'} noValidate>
      <h2>{rule ? `Edit ${rule.name}` : 'New rule'}</h2>
      <label className="field">
        <span className="field-label">
          Name<span className="required"> *</span>
        </span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={128} aria-label="Rule name" placeholder="helpfulness on production" />
        <FieldError text={at('name')} />
      </label>
      <fieldset className="form-section">
        <legend>Evaluate</legend>
        <label className="check">
          <input type="radio" name="rule-target" checked={target === 'trace'} disabled={!!rule} onChange={() => setTarget('trace')} aria-label="Each trace" /> Each trace, once it completes
        </label>
        <label className="check">
          <input type="radio" name="rule-target" checked={target === 'thread'} disabled={!!rule} onChange={() => setTarget('thread')} aria-label="Each thread" /> Each thread (traces sharing a session id), once it has been idle for{' '}
          <input value={idle} onChange={(e) => setIdle(e.target.value)} inputMode="numeric" size={5} disabled={target !== 'thread'} aria-label="Idle minutes" /> minutes
        </label>
        <span className="field-help">Thread evaluators read the whole conversation through the <code>conversation</code> value source (template "Conversation resolved"); the score lands on the thread's last turn.{rule ? ' Fixed once the rule exists.' : ''}</span>
        <FieldError text={at('idle_minutes') ?? at('target')} />
      </fieldset>
      <div className="field wide">
        <span className="field-label">{target === 'thread' ? 'Threads with a trace matching' : 'Traces'}</span>
        <FilterBar
          value={filter}
          onChange={(q) => {
            setFilter(q);
            if (apiError?.code === 'invalid_filter') setError(null);
          }}
          onApply={setFilter}
          facets={facets.data}
          serverError={serverFilterError}
          embedded
          label="Rule filter"
          placeholder="env=production tag=checkout  (empty: every trace)"
        />
        <span className="field-help">
          The filter language of the traces page, checked as you type. Empty: every trace.{' '}
          {!filterProblem && (
            <Link to={`/traces${filter.trim() ? `?q=${encodeURIComponent(filter.trim())}` : ''}`} target="_blank" rel="noopener">
              See the traces it matches ↗
            </Link>
          )}
        </span>
      </div>
      <div className="field">
        <span className="field-label">Sampling</span>
        <div className="inline-form">
          <input type="range" min={0} max={100} step={1} value={Number(percent) || 0} onChange={(e) => setPercent(e.target.value)} aria-label="Sampling slider" />
          <input value={percent} onChange={(e) => setPercent(e.target.value)} inputMode="decimal" size={5} aria-label="Sampling percent" />%
        </div>
        <span className="field-help">Decided per trace (a hash of the rule and the trace), so reruns and backfills agree on which traces are scored.</span>
        <FieldError text={at('sampling_rate')} />
      </div>
      <fieldset className="form-section">
        <legend>Evaluators to run</legend>
        {evaluators.data && list.length === 0 && (
          <p className="muted">
            No evaluators yet: <Link to="/evaluators/new">create one</Link> first.
          </p>
        )}
        <ul className="choice-list">
          {list.map((ev) => (
            <li key={ev.id}>
              <label className="check">
                <input type="checkbox" checked={chosen.includes(ev.id)} onChange={(e) => setChosen(e.target.checked ? [...chosen, ev.id] : chosen.filter((c) => c !== ev.id))} aria-label={`Run ${ev.name}`} />
                <strong>{ev.name}</strong> <KindBadge kind={ev.kind} /> <code className="small">{ev.key}</code> <span className="muted small">v{ev.version}</span>
              </label>
            </li>
          ))}
          {chosen
            .filter((id) => evaluators.data && !list.some((ev) => ev.id === id))
            .map((id) => (
              <li key={id}>
                <label className="check">
                  <input type="checkbox" checked onChange={() => setChosen(chosen.filter((c) => c !== id))} aria-label={`Run ${id}`} />
                  <code>{id}</code> <span className="muted small">deleted or unknown: untick to remove it from the rule</span>
                </label>
              </li>
            ))}
        </ul>
        <FieldError text={at('evaluator_ids')} />
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} aria-label="Active" /> Active: run on new traces once they complete (a paused rule can still be backfilled)
      </label>
      {error && !apiError?.path && (
        <p className={apiError?.status === 403 ? 'notice forbidden' : 'error-text'} role="alert">
          {apiError?.status === 403 ? `Not allowed (403): ${error.message}` : error.message}
        </p>
      )}
      {apiError?.path && !['name', 'filter', 'sampling_rate', 'idle_minutes', 'target'].includes(apiError.path) && !apiError.path.startsWith('evaluator_ids') && <FieldError text={apiError.message} />}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy || !!filterProblem}>
          {rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" className="button subtle" onClick={onCancel}>
          Cancel
        </button>
        {filterProblem && <span className="error-text small">Fix the filter to save.</span>}
      </div>
    </form>
  );
}
