/**
 * Settings: how long the project keeps traces (GET/PUT /v1/retention) and what it stores
 * now. Expired traces go in chunks from the every-minute cron: D1 rows, search and R2 bytes.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { RETENTION_DAYS, type RetentionOut } from '../../../../schema/wire/lifecycle.ts';
import { api } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../Problem.tsx';
import { formatBytes } from '../../lib/format.ts';

type Period = (typeof RETENTION_DAYS)[number] | 'forever';
const PERIODS: Period[] = [...RETENTION_DAYS, 'forever'];
const label = (p: Period) => (p === 'forever' ? 'forever' : `${p} days`);


/** The retention form and the stored size; only admins can save. */
export function RetentionSection({ manager }: { manager: boolean }) {
  const loaded = useApi<RetentionOut>('/v1/retention');
  const [days, setDays] = useState<Period>('forever');
  const [reviewed, setReviewed] = useState<Period | 'same'>('same');
  const [saved, setSaved] = useState(false);
  const action = useAction();
  useEffect(() => {
    if (!loaded.data) return;
    setDays(loaded.data.days as Period);
    setReviewed(loaded.data.reviewed_days === null ? 'same' : (loaded.data.reviewed_days as Period));
  }, [loaded.data]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (await action.run(() => api<RetentionOut>('/v1/retention', { method: 'PUT', body: { days, reviewed_days: reviewed === 'same' ? null : reviewed } }))) {
      setSaved(true);
      loaded.reload();
    }
  };
  const stored = loaded.data?.stored;
  const shard = loaded.data?.shard;
  return (
    <section className="card" aria-labelledby="retention-h">
      <h2 id="retention-h">Retention</h2>
      {stored && (
        <p data-testid="stored-size">
          Stored: <strong>{stored.traces.toLocaleString()}</strong> traces, <strong>{stored.spans.toLocaleString()}</strong> spans, <strong>{formatBytes(stored.payload_bytes)}</strong> of payloads in R2.
        </p>
      )}
      {shard && (
        <p data-testid="shard" className="small muted">
          Index on D1 shard <strong className="mono">{shard.name}</strong>
          {shard.moving ? ' (moving to another shard: writes wait until it ends)' : ''}, {formatBytes(shard.bytes)} of {formatBytes(shard.capacity_bytes)} used by all its projects.
        </p>
      )}
      <form className="inline-form" onSubmit={submit} aria-label="Retention">
        <label>
          Keep traces{' '}
          <select value={String(days)} disabled={!manager} onChange={(e) => setDays((e.target.value === 'forever' ? 'forever' : Number(e.target.value)) as Period)}>
            {PERIODS.map((p) => (
              <option key={p} value={String(p)}>
                {label(p)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reviewed traces{' '}
          <select value={String(reviewed)} disabled={!manager} onChange={(e) => setReviewed(e.target.value === 'same' ? 'same' : ((e.target.value === 'forever' ? 'forever' : Number(e.target.value)) as Period))}>
            <option value="same">like the others</option>
            {PERIODS.map((p) => (
              <option key={p} value={String(p)}>
                {label(p)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button" disabled={!manager || action.busy}>
          Save retention
        </button>
        {saved && <span className="ok-note">Saved. Older traces are deleted within minutes, in chunks.</span>}
      </form>
      <p className="muted">Counted from a trace's start. Traces with human feedback or a queue review can be kept longer; dataset examples and experiment runs keep their own copies.</p>
      <Problem error={action.error ?? loaded.error ?? null} />
    </section>
  );
}
