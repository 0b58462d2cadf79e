/**
 * The project's daily judge budget: today's spend and judge calls against the caps, and
 * (for owners and admins) the form that changes them. Over a cap, judge jobs are skipped.
 */
import { useState, type FormEvent } from 'react';
import type { EvalSettingsOut } from '../../../../schema/wire/eval-settings.ts';
import { api, ApiError } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { Problem } from '../Problem.tsx';
import { FieldError } from './common.tsx';
import { formatCost } from '../../lib/format.ts';

/** Usage bars for today and the caps form (read-only text without `canEdit`). */
export function BudgetSection({ canEdit }: { canEdit: boolean }) {
  const settings = useApi<EvalSettingsOut>('/v1/eval-settings');
  const [cap, setCap] = useState<string | null>(null);
  const [calls, setCalls] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const s = settings.data;
  const err = action.error instanceof ApiError ? action.error : null;
  const save = async (body: Record<string, number | null>) => {
    setSaved(false);
    if (await action.run(() => api('/v1/eval-settings', { method: 'PUT', body }))) {
      setSaved(true);
      setCap(null);
      setCalls(null);
      settings.reload();
    }
  };
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const spend = (cap ?? String(s!.daily_spend_cap_usd)).trim();
    const count = (calls ?? String(s!.daily_judge_call_cap)).trim();
    // An emptied field would read as 0 (no judge calls at all): ask instead.
    if (spend === '' || count === '') return setProblem('Give both caps (0 stops judge calls), or use the defaults.');
    setProblem(null);
    void save({ daily_spend_cap_usd: Number(spend), daily_judge_call_cap: Number(count) });
  };
  return (
    <section className="card" aria-labelledby="budget-h">
      <h2 id="budget-h">Daily judge budget</h2>
      <p className="muted small">
        Judge calls (rules and try-it) are capped per project and UTC day. Over a cap, judge jobs are skipped with <code>spend_cap</code> in the run log; code checks and webhooks are not counted.
      </p>
      <Problem error={settings.error} />
      {s && (
        <>
          <div className="usage" role="status" aria-label="Today's judge usage">
            <UsageBar label={`Spend today (${s.today.day} UTC)`} used={s.today.cost_usd} cap={s.daily_spend_cap_usd} format={(n) => (n >= 0.01 ? `$${n.toFixed(2)}` : formatCost(n))} />
            <UsageBar label="Judge calls today" used={s.today.calls} cap={s.daily_judge_call_cap} format={(n) => n.toLocaleString('en-US')} />
          </div>
          {canEdit ? (
            <form className="inline-form" onSubmit={submit} aria-label="Judge budget">
              <label>
                Daily spend cap (USD){' '}
                <input type="number" min={0} step="0.01" value={cap ?? String(s.daily_spend_cap_usd)} onChange={(e) => setCap(e.target.value)} aria-label="Daily spend cap (USD)" size={8} />
              </label>
              <label>
                Daily judge calls{' '}
                <input type="number" min={0} step="1" value={calls ?? String(s.daily_judge_call_cap)} onChange={(e) => setCalls(e.target.value)} aria-label="Daily judge call cap" size={8} />
              </label>
              <button type="submit" className="button primary" disabled={action.busy}>
                Save budget
              </button>
              <button type="button" className="button subtle" disabled={action.busy} onClick={() => void save({ daily_spend_cap_usd: null, daily_judge_call_cap: null })}>
                Use the defaults
              </button>
              {saved && (
                <span className="ok-note" role="status">
                  Saved
                </span>
              )}
            </form>
          ) : (
            <p>
              Caps: <strong>${s.daily_spend_cap_usd.toFixed(2)}</strong> and <strong>{s.daily_judge_call_cap.toLocaleString('en-US')}</strong> judge calls a day.
            </p>
          )}
          <FieldError text={problem ?? (err?.path ? err.message : undefined)} />
          {err && !err.path && <Problem error={err} />}
        </>
      )}
    </section>
  );
}

function UsageBar({ label, used, cap, format }: { label: string; used: number; cap: number; format(n: number): string }) {
  const share = cap > 0 ? Math.min(1, used / cap) : used > 0 ? 1 : 0;
  return (
    <div className="usage-bar">
      <div className="usage-label">
        <span>{label}</span>
        <span className="mono">
          {format(used)} of {format(cap)}
        </span>
      </div>
      <div className="bar-track" aria-hidden="true">
        <div className={`bar-fill${share >= 1 ? ' full' : share > 0.8 ? ' high' : ''}`} style={{ width: `${share * 100}%` }} />
      </div>
    </div>
  );
}
