/**
 * Creates or changes an evaluator: name and feedback key, what it scores (the trace or
 * each matching span), and its kind's settings (code check, LLM judge, webhook). The form
 * is checked in the browser by the API's own zod schemas, so problems show at their field
 * before anything is sent; the API's answer (e.g. an unknown provider) lands at its field
 * too. Editing shows that saving makes a new version and what it changes. The draft can
 * be tried on traces before it is saved.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { TraceFacets } from '../../../../schema/wire/facets.ts';
import { EvaluatorConfig, type EvaluatorOut, type EvaluatorTarget } from '../../../../schema/wire/evaluators.ts';
import { FeedbackKey } from '../../../../schema/wire/feedback.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { FilterBar } from '../FilterBar.tsx';
import { buildCheckConfig, checkValues, configProblems } from '../../lib/check-fields.ts';
import { judgeConfig, judgeDraft } from '../../lib/judge-draft.ts';
import { webhookConfig, webhookDraft } from '../../lib/webhook-draft.ts';
import { changedPaths, mergePatch, versionShape } from '../../lib/config-diff.ts';
import { checkFilter } from '../../lib/filter-completions.ts';
import { CheckFields } from './CheckFields.tsx';
import { JudgeFields } from './JudgeFields.tsx';
import { WebhookFields } from './WebhookFields.tsx';
import { TryPanel } from './TryPanel.tsx';
import { FieldError, KindBadge } from './common.tsx';

/** Where the editor starts: a template, a saved version, or a blank definition. */
export interface EditorStart {
  name: string;
  key: string;
  description: string | null;
  target: EvaluatorTarget;
  config: Record<string, unknown>;
  template: string | null;
  /** A blank code check: start its fields from the suggested values. */
  fresh?: boolean;
}

interface Props {
  start: EditorStart;
  /** Creating from a template: its config, which the body patches (JSON merge patch). */
  templateConfig?: Record<string, unknown>;
  /** Editing this evaluator: saving makes its next version. */
  existing?: EvaluatorOut;
  onSaved(saved: EvaluatorOut & { signing_secret?: string }): void;
  onCancel?(): void;
}

type Kind = 'code' | 'judge' | 'webhook';

/** The API's message without the path it starts with (the field shows where). */
const messageOf = (err: ApiError) => (err.path && err.message.startsWith(`${err.path}`) ? err.message.slice(err.path.length).replace(/^:?\s*/, '') : err.message);

export function EvaluatorEditor({ start, templateConfig, existing, onSaved, onCancel }: Props) {
  const facets = useApi<TraceFacets>('/v1/traces/facets');
  const kind = start.config.type as Kind;
  const [name, setName] = useState(start.name);
  const [key, setKey] = useState(start.key);
  const [description, setDescription] = useState(start.description ?? '');
  const [targetType, setTargetType] = useState<'trace' | 'span'>(start.target.type);
  const [spanFilter, setSpanFilter] = useState(start.target.type === 'span' ? start.target.filter : 'kind=tool');
  const [check, setCheck] = useState(kind === 'code' ? String(start.config.check) : 'exact_match');
  const [checkVals, setCheckVals] = useState(() => (kind === 'code' ? checkValues(String(start.config.check), start.fresh ? undefined : start.config) : {}));
  const [judge, setJudge] = useState(() => judgeDraft(kind === 'judge' ? start.config : {}));
  const [hook, setHook] = useState(() => webhookDraft(kind === 'webhook' ? start.config : {}));
  const [secret, setSecret] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<ApiError | Error | null>(null);

  // An answer from the API is about what was sent: any edit makes it stale.
  useEffect(() => setServerError(null), [name, key, description, targetType, spanFilter, check, checkVals, judge, hook, secret]);

  const built = useMemo(() => {
    if (kind === 'code') return buildCheckConfig(check, checkVals);
    if (kind === 'judge') return { config: judgeConfig(judge), errors: {} };
    return webhookConfig(hook);
  }, [kind, check, checkVals, judge, hook]);
  const target: EvaluatorTarget = targetType === 'span' ? { type: 'span', filter: spanFilter.trim() } : { type: 'trace' };
  // The config as the API will store it (defaults filled), once it is valid.
  const parsed = EvaluatorConfig.safeParse(built.config);
  const normalized = parsed.success ? (parsed.data as Record<string, unknown>) : built.config;

  // Problems by path from the body's root: "name", "target.filter", "config.prompt.user".
  const problems = useMemo(() => {
    const out: Record<string, string> = {};
    if (!name.trim()) out.name = 'required';
    const k = FeedbackKey.safeParse(key.trim());
    if (!k.success) out.key = key.trim() ? k.error.issues[0].message : 'required';
    if (targetType === 'span') {
      const p = checkFilter(spanFilter);
      if (!spanFilter.trim()) out['target.filter'] = 'required';
      else if (p) out['target.filter'] = p.message;
    }
    for (const [p, m] of Object.entries(configProblems(built.config))) out[p ? `config.${p}` : 'config'] = m;
    for (const [p, m] of Object.entries(built.errors)) out[`config.${p}`] = m;
    if (secret && secret.length < 16) out.secret = 'at least 16 characters';
    return out;
  }, [name, key, targetType, spanFilter, built, secret]);
  // Until the first save, "required" waits: a fresh form is not a list of complaints.
  const shown: Record<string, string> = attempted ? { ...problems } : Object.fromEntries(Object.entries(problems).filter(([, m]) => m !== 'required'));
  const apiError = serverError instanceof ApiError ? serverError : null;
  if (apiError?.path && !(apiError.path in shown)) shown[apiError.path] = messageOf(apiError);
  const below = (prefix: string) => Object.fromEntries(Object.entries(shown).filter(([p]) => p.startsWith(prefix)).map(([p, m]) => [p.slice(prefix.length), m]));
  // Code checks show a nested error ("expected.0") at its field.
  const checkErrors = Object.fromEntries(Object.entries(below('config.')).map(([p, m]) => [p.split('.')[0], m]));
  const placed = new Set(['name', 'key', 'description', 'target.filter', 'secret']);
  const unplaced = Object.entries(shown).filter(([p]) => !placed.has(p) && !p.startsWith('config.') && p !== 'config');

  const createBody = () => ({
    name: name.trim(),
    key: key.trim(),
    ...(description.trim() ? { description: description.trim() } : {}),
    // The template is named only with its config at hand, which the body then patches.
    ...(start.template && templateConfig ? { template: start.template } : {}),
    target,
    config: templateConfig ? mergePatch(templateConfig, normalized) : normalized,
    ...(secret ? { secret } : {}),
  });

  const changes = existing ? changedPaths(versionShape(existing), versionShape({ name: name.trim(), key: key.trim(), description: description.trim() || null, target, config: normalized })) : [];
  const patchBody = () => {
    const e = existing!;
    const body: Record<string, unknown> = {};
    if (name.trim() !== e.name) body.name = name.trim();
    if (key.trim() !== e.key) body.key = key.trim();
    if ((description.trim() || null) !== e.description) body.description = description.trim() || null;
    if (changedPaths(e.target, target).length) body.target = target;
    if (changedPaths(e.config, normalized).length) {
      const cur = e.config as Record<string, unknown>;
      // A change of the same kind (and check) is merged by the API; anything else replaces.
      const same = cur.type === normalized.type && (cur.type !== 'code' || cur.check === normalized.check);
      body.config = same ? mergePatch(cur, normalized) : normalized;
    }
    if (secret) body.secret = secret;
    return body;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAttempted(true);
    setServerError(null);
    if (Object.keys(problems).length) return;
    if (existing && !changes.length && !secret) return;
    setBusy(true);
    try {
      const saved = existing
        ? await api<EvaluatorOut>(`/v1/evaluators/${encodeURIComponent(existing.id)}`, { method: 'PATCH', body: patchBody() })
        : await api<EvaluatorOut & { signing_secret?: string }>('/v1/evaluators', { body: createBody() });
      onSaved(saved);
    } catch (err) {
      setServerError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const problemCount = Object.keys(problems).length;
  return (
    <div className="evaluator-editor">
      <form className="stack-form card" onSubmit={submit} aria-label={existing ? `Edit ${existing.name}` : 'New evaluator'} noValidate>
        <div className="card-head">
          <h2>
            {existing ? `Edit ${existing.name}` : 'New evaluator'} <KindBadge kind={kind} />
          </h2>
          {start.template && <span className="muted small">from the template {start.template}</span>}
        </div>
        {existing && (
          <p className="version-note" role="status">
            {changes.length || secret
              ? `Saving creates version ${existing.version + 1}${changes.length ? ` (changes ${changes.join(', ')})` : ''}. Version ${existing.version} and its scores stay; rules run the new version from now on.`
              : `Editing version ${existing.version}. No changes yet.`}
          </p>
        )}
        <div className="form-grid">
          <label className="field">
            <span className="field-label">
              Name<span className="required"> *</span>
            </span>
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={128} aria-label="Name" />
            <FieldError text={shown.name} />
          </label>
          <label className="field">
            <span className="field-label">
              Feedback key<span className="required"> *</span>
            </span>
            <input className="mono" value={key} onChange={(e) => setKey(e.target.value)} aria-label="Feedback key" />
            <span className="field-help">
              Scores are feedback with this key: they show on traces and filter as <code>score.{key || 'key'}</code>.
            </span>
            <FieldError text={shown.key} />
          </label>
          <label className="field wide">
            <span className="field-label">Description</span>
            <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} aria-label="Description" />
          </label>
        </div>

        <fieldset className="form-section">
          <legend>What it scores</legend>
          <label className="check">
            <input type="radio" name="target" checked={targetType === 'trace'} onChange={() => setTargetType('trace')} /> The whole trace (its full trajectory)
          </label>
          <label className="check">
            <input type="radio" name="target" checked={targetType === 'span'} onChange={() => setTargetType('span')} /> Each span matching a filter (up to 100 per trace)
          </label>
          {targetType === 'span' && (
            <FilterBar
              value={spanFilter}
              onChange={setSpanFilter}
              onApply={setSpanFilter}
              facets={facets.data}
              embedded
              label="Span filter"
              placeholder="kind=tool name=book_reservation"
              serverError={apiError?.path === 'target.filter' && apiError.position !== undefined ? { message: apiError.message, position: apiError.position, end: apiError.end ?? spanFilter.length } : null}
            />
          )}
          {targetType === 'span' && !checkFilter(spanFilter) && <FieldError text={shown['target.filter']} />}
        </fieldset>

        {kind === 'code' && (
          <CheckFields
            check={check}
            values={checkVals}
            errors={checkErrors}
            onCheck={(c) => {
              setCheck(c);
              setCheckVals(checkValues(c));
            }}
            onChange={setCheckVals}
          />
        )}
        {kind === 'judge' && <JudgeFields draft={judge} errors={below('config.')} onChange={setJudge} />}
        {kind === 'webhook' && <WebhookFields draft={hook} secret={secret} hasSecret={!!existing?.has_secret} errors={{ ...below('config.'), ...(shown.secret ? { secret: shown.secret } : {}) }} onChange={setHook} onSecret={setSecret} />}
        {shown.config && <FieldError text={shown.config} />}
        {unplaced.map(([p, m]) => (
          <FieldError key={p} text={`${p}: ${m}`} />
        ))}
        {serverError && !apiError?.path && (
          <p className={serverError instanceof ApiError && serverError.status === 403 ? 'notice forbidden' : 'error-text'} role="alert">
            {serverError instanceof ApiError && serverError.status === 403 ? `Not allowed (403): ${serverError.message}` : serverError.message}
          </p>
        )}

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy || (!!existing && !changes.length && !secret)}>
            {existing ? `Save as version ${existing.version + 1}` : 'Create evaluator'}
          </button>
          {onCancel && (
            <button type="button" className="button subtle" onClick={onCancel}>
              Cancel
            </button>
          )}
          {attempted && problemCount > 0 && (
            <span className="error-text small" role="alert">
              Fix {problemCount === 1 ? 'the problem' : `the ${problemCount} problems`} marked above.
            </span>
          )}
        </div>
      </form>
      <TryPanel target={{ evaluator: createBody() }} blocked={problemCount ? `Complete the form to try it (${Object.entries(problems)[0].join(': ')}).` : null} />
    </div>
  );
}
