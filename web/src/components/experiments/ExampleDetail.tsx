/**
 * One example opened on the compare page: its inputs and expected outputs (from the
 * dataset, at the baseline's version), both runs' scores, errors, outputs and traces, and
 * the trajectory diff of the two runs (a repetition picker when there are repetitions).
 */
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Example } from '../../../../schema/wire/datasets.ts';
import type { ComparisonOut, TrajectoryDiffOut } from '../../../../schema/wire/experiments.ts';
import { query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNote } from '../ErrorNote.tsx';
import { JsonView } from '../JsonView.tsx';
import { formatScore } from '../../lib/format.ts';
import type { ExperimentWithSummary } from '../../api/use-experiments.ts';
import { TrajectoryDiffView } from './TrajectoryDiffView.tsx';

/** The output text of each side, put back together from the line diff (both are in it). */
function sidesOf(diff: TrajectoryDiffOut['diff']): { baseline: string; candidate: string } {
  return {
    baseline: diff.output.filter((p) => p.op !== 'added').map((p) => p.text).join(''),
    candidate: diff.output.filter((p) => p.op !== 'removed').map((p) => p.text).join(''),
  };
}

function OutputView({ text }: { text: string }) {
  if (!text.trim()) return <p className="muted">no output</p>;
  try {
    return <JsonView value={JSON.parse(text)} />;
  } catch {
    return <pre className="plain-text">{text}</pre>;
  }
}

function ExampleReference({ example: x }: { example: Example }) {
  return (
    <details className="example-reference" open>
      <summary>Inputs and expected</summary>
      <div className="example-sides">
        <div className="example-side" data-part="inputs">
          <h4>Inputs</h4>
          <JsonView value={x.inputs} />
        </div>
        <div className="example-side" data-part="expected">
          <h4>Expected</h4>
          {x.outputs != null ? <JsonView value={x.outputs} /> : <p className="muted small">no reference outputs</p>}
          {x.criteria && <p className="small">Criteria: {x.criteria}</p>}
          {x.expected_trajectory && x.expected_trajectory.length > 0 && (
            <p className="small">
              Expected tool calls: <code>{x.expected_trajectory.map((t) => t.name).join(' → ')}</code>
            </p>
          )}
        </div>
      </div>
    </details>
  );
}

/** The opened example's panel; `key` it by candidate and example so a new one starts fresh. */
export function ExampleDetail({
  comparison: c,
  exampleId,
  baseline,
  candidate,
  onClose,
}: {
  comparison: ComparisonOut;
  exampleId: string;
  baseline?: ExperimentWithSummary;
  candidate?: ExperimentWithSummary;
  onClose(): void;
}) {
  const reps = Math.max(baseline?.repetitions ?? 1, candidate?.repetitions ?? 1);
  const [repetition, setRepetition] = useState(0);
  // The example itself (its inputs and what was expected), at the baseline's version; an
  // experiment over a dataset kept outside Loupe has none, and the panel goes without.
  const stored = useApi<Example>(baseline ? `/v1/datasets/${encodeURIComponent(baseline.dataset_id)}/examples/${encodeURIComponent(exampleId)}${query({ version: baseline.dataset_version })}` : null);
  const diff = useApi<TrajectoryDiffOut>(`/v1/experiments/compare/diff${query({ baseline: c.baseline, candidate: c.candidate, example_id: exampleId, repetition })}`);
  // The comparison holds one page of examples: an example beyond it is asked for by id.
  const onPage = c.examples.find((e) => e.exampleId === exampleId);
  const byId = useApi<{ comparisons: ComparisonOut[] }>(onPage ? null : `/v1/experiments/compare${query({ ids: `${c.baseline},${c.candidate}`, example_id: exampleId })}`);
  const verdict = onPage ?? byId.data?.comparisons[0]?.examples[0];
  const ref = useRef<HTMLElement>(null);
  // A block body: newer Chromium's scrollIntoView returns a promise, and an effect that
  // returns one has React call it as a cleanup when the next example replaces this one.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'start' });
  }, []);
  const d = diff.data;
  const outputs = d ? sidesOf(d.diff) : null;
  const bName = baseline?.name ?? c.baseline;
  const cName = candidate?.name ?? c.candidate;
  return (
    <section className="card example-detail" ref={ref} aria-label={`Example ${exampleId}`} data-example={exampleId}>
      <div className="example-detail-head">
        <h2>
          Example <code>{exampleId}</code> {verdict && <span className={`status-badge status-${verdict.status}`}>{verdict.status}</span>}
        </h2>
        {reps > 1 && (
          <label className="small">
            Repetition{' '}
            <select aria-label="Repetition" value={repetition} onChange={(e) => setRepetition(Number(e.target.value))}>
              {Array.from({ length: reps }, (_, i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" className="button subtle" onClick={onClose}>
          Close
        </button>
      </div>
      {!verdict && (onPage || byId.data) && <p className="notice">This example is not among the {c.shared} compared.</p>}
      {stored.data && <ExampleReference example={stored.data} />}
      {diff.error && <ErrorNote error={diff.error} />}
      {d && outputs && (
        <>
          <div className="example-sides">
            {(
              [
                ['baseline', bName, d.baseline, outputs.baseline],
                ['candidate', cName, d.candidate, outputs.candidate],
              ] as const
            ).map(([role, label, side, text]) => (
              <div key={role} className={`example-side side-${role}`} data-side={role}>
                <h3>
                  {label} <span className="muted small">{role}</span>
                </h3>
                <div className="small">
                  {Object.entries(side.scores).map(([k, v]) => (
                    <span key={k} className="score-chip">
                      {k} {formatScore(v)}
                    </span>
                  ))}{' '}
                  <Link to={`/traces/${encodeURIComponent(side.trace_id)}`}>trace</Link>
                </div>
                {side.error && <pre className="error-text plain-text">{side.error}</pre>}
                <OutputView text={text} />
              </div>
            ))}
          </div>
          <h3>Trajectory diff</h3>
          <TrajectoryDiffView diff={d} baselineName={bName} candidateName={cName} />
        </>
      )}
    </section>
  );
}
