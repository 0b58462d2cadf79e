/**
 * One example's trajectory diff between a baseline and a candidate run: the tool calls
 * side by side as the API aligned them (longest common subsequence of tool names), the
 * first divergence marked, each added, removed or changed call with its argument
 * differences by path, then the output diff line by line.
 */
import { Fragment } from 'react';
import type { TrajectoryDiffOut } from '../../../../schema/wire/experiments.ts';

type Step = TrajectoryDiffOut['diff']['steps'][number];

const compact = (v: unknown) => {
  if (v === undefined) return '';
  const s = JSON.stringify(v);
  return s.length > 240 ? `${s.slice(0, 240)}…` : s;
};

function Call({ name, args }: { name: string; args: unknown }) {
  return (
    <span className="diff-call">
      <code className="diff-call-name">{name}</code> <code className="diff-call-args muted">{compact(args)}</code>
    </span>
  );
}

const OP_LABEL: Record<Step['op'], string> = { same: 'same', changed: 'changed', removed: 'removed', added: 'added' };

export function TrajectoryDiffView({ diff, baselineName, candidateName }: { diff: TrajectoryDiffOut; baselineName: string; candidateName: string }) {
  const d = diff.diff;
  const a = diff.baseline.calls;
  const b = diff.candidate.calls;
  const summary =
    d.firstDivergence === null
      ? `The same ${a.length} tool call(s) in both runs.`
      : `First divergence at step ${d.firstDivergence + 1}: ${d.added} added, ${d.removed} removed, ${d.changed} changed.`;
  return (
    <div className="trajectory-diff">
      <p className="trajectory-summary" role="status">
        {summary}
      </p>
      {d.steps.length > 0 && (
        <div className="table-wrap">
          <table className="trajectory-steps">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Change</th>
                <th>{baselineName} (baseline)</th>
                <th>{candidateName} (candidate)</th>
              </tr>
            </thead>
            <tbody>
              {d.steps.map((s, i) => (
                <Fragment key={i}>
                  <tr className={`step step-${s.op}${i === d.firstDivergence ? ' first-divergence' : ''}`} data-step={i} data-op={s.op}>
                    <td className="num">{i + 1}</td>
                    <td>
                      <span className={`op-badge op-${s.op}`}>{OP_LABEL[s.op]}</span>
                      {i === d.firstDivergence && <span className="first-divergence-mark small"> first divergence</span>}
                    </td>
                    <td>{s.a !== undefined && a[s.a] ? <Call name={a[s.a].name} args={a[s.a].args} /> : <span className="muted">—</span>}</td>
                    <td>{s.b !== undefined && b[s.b] ? <Call name={b[s.b].name} args={b[s.b].args} /> : <span className="muted">—</span>}</td>
                  </tr>
                  {s.op === 'changed' && s.args && (
                    <tr className="step-args">
                      <td />
                      <td colSpan={3}>
                        <ul className="arg-changes">
                          {s.args.map((c) => (
                            <li key={c.path} className={`arg-${c.kind}`}>
                              <code>{c.path}</code> {c.kind === 'added' ? 'added' : c.kind === 'removed' ? 'removed' : 'changed'}:{' '}
                              {c.kind !== 'added' && <code className="diff-removed">{compact(c.a)}</code>}
                              {c.kind === 'changed' && ' → '}
                              {c.kind !== 'removed' && <code className="diff-added">{compact(c.b)}</code>}
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h4>Output {d.outputEqual ? <span className="muted small">(identical)</span> : <span className="muted small">(− baseline, + candidate)</span>}</h4>
      <pre className="output-diff">
        {d.output.flatMap((part, i) =>
          part.text
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <span key={`${i}-${j}`} className={`diff-line diff-${part.op}`}>
                {part.op === 'added' ? '+ ' : part.op === 'removed' ? '- ' : '  '}
                {line}
                {'\n'}
              </span>
            )),
        )}
      </pre>
    </div>
  );
}
