/** A run's counters: traces matched and sampled, jobs scored / failed / skipped / queued, and a progress bar. */
import type { RunOut } from '../../../../schema/wire/runs.ts';
import { formatTime } from '../../lib/format.ts';

/** True while a run still has work: a backfill scanning or running, or any queued job. */
export const runInProgress = (run: RunOut) => run.status === 'scanning' || run.status === 'running' || run.counts.queued > 0;

/** "Online (new traces)" or "Backfill 1 Mar 10:00 → 31 Mar 10:00". */
export function runLabel(run: RunOut): string {
  if (run.id === 'thread') return 'Idle threads';
  if (run.kind === 'online') return 'Online (new traces)';
  return `Backfill ${formatTime(run.from)} → ${formatTime(run.to)}`;
}

export function RunCounters({ run, compact = false }: { run: RunOut; compact?: boolean }) {
  const c = run.counts;
  const done = c.scored + c.failed + c.skipped;
  const total = done + c.queued;
  const items: [string, number, string][] = [
    ['matched', c.matched, 'traces the filter matched'],
    ['sampled', c.sampled, 'of those, picked by sampling'],
    ['scored', c.scored, 'jobs that wrote a score'],
    ['failed', c.failed, 'jobs that ended with an error'],
    ['skipped', c.skipped, 'jobs skipped (no matching span, spend cap)'],
    ['queued', c.queued, 'jobs waiting or being retried'],
  ];
  return (
    <div className={compact ? 'run-counters compact' : 'run-counters'}>
      <dl className="counters" aria-label="Run counters">
        {items.map(([label, n, help]) => (
          <div key={label} className={`counter counter-${label}${n > 0 && label === 'failed' ? ' has-failed' : ''}`} title={help} data-counter={label}>
            <dt>{label}</dt>
            <dd>{n.toLocaleString('en-US')}</dd>
          </div>
        ))}
      </dl>
      {total > 0 && (
        <div className="bar-track run-progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-label={`${done} of ${total} jobs done`}>
          <div className="bar-fill good" style={{ width: `${(c.scored / total) * 100}%` }} />
          <div className="bar-fill bad" style={{ width: `${(c.failed / total) * 100}%` }} />
          <div className="bar-fill neutral" style={{ width: `${(c.skipped / total) * 100}%` }} />
        </div>
      )}
      {run.kind === 'backfill' && !compact && (
        <p className="muted small">
          Scanned {run.scanned.toLocaleString('en-US')} traces{run.status === 'scanning' ? ' so far' : ''}.{run.error ? ` Error: ${run.error}` : ''}
        </p>
      )}
    </div>
  );
}
