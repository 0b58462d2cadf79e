/**
 * /rules: the project's online rules: which traces (filter, sampling) get which
 * evaluators, and whether each rule is running on new traces.
 */
import { Link } from 'react-router';
import type { RuleOut } from '../../../../schema/wire/rules.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../../components/ErrorNote.tsx';
import { EvalStatus, EvaluatorLink, ReadOnlyNote, useCanManage, useEvaluatorIndex } from '../../components/evals/common.tsx';
import { formatAgo } from '../../lib/format.ts';

/** 0.2 -> "20%". */
export const percent = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

export function RulesPage() {
  const canEdit = useCanManage();
  const list = useApi<{ rules: RuleOut[] }>('/v1/rules');
  const evaluators = useEvaluatorIndex();
  return (
    <div className="page evals-page">
      <header className="page-head">
        <h1>Rules</h1>
        {canEdit && (
          <Link className="button primary" to="/rules/new">
            New rule
          </Link>
        )}
      </header>
      <p className="muted">
        A rule runs <Link to="/evaluators">evaluators</Link> on the traces its filter matches, sampled per trace, once each new trace is complete; a backfill runs it over past traces.
      </p>
      {!canEdit && <ReadOnlyNote what="rules and their run logs" />}
      {list.error && <ErrorNote error={list.error} />}
      {list.data && list.data.rules.length === 0 && <p className="empty">No rules yet.{canEdit && <> <Link to="/rules/new">Create one →</Link></>}</p>}
      {list.data && list.data.rules.length > 0 && (
        <div className="table-wrap">
          <table className="plain rules">
            <thead>
              <tr>
                <th>Name</th>
                <th>Filter</th>
                <th>Sampling</th>
                <th>Evaluators</th>
                <th>State</th>
                <th className="hide-narrow">Changed</th>
              </tr>
            </thead>
            <tbody>
              {list.data.rules.map((r) => (
                <tr key={r.id} data-rule={r.name}>
                  <td>
                    <Link to={`/rules/${encodeURIComponent(r.id)}`} className="strong-link">
                      {r.name}
                    </Link>
                  </td>
                  <td>{r.filter ? <code className="filter-text">{r.filter}</code> : <span className="muted">every trace</span>}</td>
                  <td>{percent(r.sampling_rate)}</td>
                  <td>
                    {r.evaluator_ids.map((id) => (
                      <div key={id}>
                        <EvaluatorLink id={id} index={evaluators} />
                      </div>
                    ))}
                  </td>
                  <td>
                    <EvalStatus status={r.active ? 'active' : 'paused'} />
                  </td>
                  <td className="hide-narrow">{formatAgo(r.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
