/**
 * /evaluators: the project's evaluators (newest version of each): kind, what they score,
 * the feedback key they write, their version and the rules that run them.
 */
import { Link } from 'react-router';
import type { EvaluatorOut } from '../../../../schema/wire/evaluators.ts';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { KindBadge, ReadOnlyNote, useCanManage } from '../../components/evals/common.tsx';
import { checkSpec } from '../../lib/check-fields.ts';
import { formatAgo, formatTime } from '../../lib/format.ts';

/** One line on what an evaluator does. */
export function evaluatorSummary(e: EvaluatorOut): string {
  const c = e.config;
  if (c.type === 'code') return checkSpec(c.check)?.label ?? c.check;
  if (c.type === 'judge') return `${c.output.type === 'boolean' ? 'true/false' : c.output.type === 'number' ? `${c.output.min}–${c.output.max}` : c.output.categories.join(' / ')}${c.model ? ` · ${c.model}` : ''}`;
  try {
    return new URL(c.url).host;
  } catch {
    return c.url;
  }
}

export function EvaluatorsPage() {
  const canEdit = useCanManage();
  const list = useApi<{ evaluators: EvaluatorOut[] }>('/v1/evaluators');
  const rules = useApi<{ rules: RuleOut[] }>('/v1/rules');
  const usedBy = (id: string) => rules.data?.rules.filter((r) => r.evaluator_ids.includes(id)) ?? [];
  return (
    <div className="page evals-page">
      <header className="page-head">
        <h1>Evaluators</h1>
        {canEdit && (
          <Link className="button primary" to="/evaluators/new">
            New evaluator
          </Link>
        )}
      </header>
      <p className="muted">
        Code checks, LLM judges and webhooks that score traces. Every change makes a new version; <Link to="/rules">rules</Link> decide which traces they run on, and their scores show on the
        traces as feedback.
      </p>
      {!canEdit && <ReadOnlyNote what="evaluators, their versions and scores" />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && list.data.evaluators.length === 0 && (
        <p className="empty">
          No evaluators yet.{' '}
          {canEdit && (
            <Link to="/evaluators/new">
              Start from a template →
            </Link>
          )}
        </p>
      )}
      {list.data && list.data.evaluators.length > 0 && (
        <div className="table-wrap">
          <table className="plain evaluators">
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th className="hide-narrow">Target</th>
                <th>Key</th>
                <th>Version</th>
                <th className="hide-narrow">Rules</th>
                <th className="hide-narrow">Changed</th>
              </tr>
            </thead>
            <tbody>
              {list.data.evaluators.map((e) => (
                <tr key={e.id} data-evaluator={e.name}>
                  <td>
                    <Link to={`/evaluators/${encodeURIComponent(e.id)}`} className="strong-link">
                      {e.name}
                    </Link>
                    <div className="muted small">{evaluatorSummary(e)}</div>
                  </td>
                  <td>
                    <KindBadge kind={e.kind} />
                  </td>
                  <td className="hide-narrow">{e.target.type === 'trace' ? 'trace' : <code>{e.target.filter}</code>}</td>
                  <td>
                    <code>{e.key}</code>
                  </td>
                  <td>v{e.version}</td>
                  <td className="hide-narrow">
                    {usedBy(e.id).map((r) => (
                      <Link key={r.id} to={`/rules/${encodeURIComponent(r.id)}`} className="chip">
                        {r.name}
                      </Link>
                    ))}
                  </td>
                  <td className="hide-narrow" title={formatTime(e.updated_at)}>
                    {formatAgo(e.updated_at)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
