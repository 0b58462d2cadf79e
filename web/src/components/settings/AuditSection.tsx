/**
 * Settings: the audit log (owners and admins): who created or revoked keys, invited,
 * removed or re-roled members, issued password resets, changed providers, evaluators and
 * rules, deleted things. Newest first, a page at a time, filterable by kind.
 */
import { useState } from 'react';
import type { AuditEntryOut, AuditPage } from '../../../../schema/wire/audit.ts';
import { api } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { Problem } from '../Problem.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';

/** Target types the filter offers (GET /v1/audit?action=<type> matches each `<type>.*`). */
const KINDS = ['api_key', 'invite', 'member', 'password_reset', 'project', 'provider', 'evaluator', 'rule', 'review_queue', 'routing_rule', 'eval_settings', 'secrets'];

const PAGE = 50;

/** A short phrase for an entry's details (never secrets: the API stores none). */
function describe(e: AuditEntryOut): string {
  const d = e.details;
  if (e.action === 'member.role_changed') return `${String(d.email ?? '')}: ${String(d.from)} → ${String(d.to)}`;
  const parts = Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`);
  for (const [k, v] of Object.entries(d)) if (Array.isArray(v)) parts.push(`${k}: ${v.join(', ')}`);
  return parts.join(' · ');
}

/** The log's table with a kind filter and "Older" paging. */
export function AuditSection() {
  const [kind, setKind] = useState('');
  const first = useApi<AuditPage>(`/v1/audit?limit=${PAGE}${kind ? `&action=${kind}` : ''}`);
  const [more, setMore] = useState<{ kind: string; entries: AuditEntryOut[]; next: string | null } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const extra = more && more.kind === kind ? more : null;
  const entries = [...(first.data?.entries ?? []), ...(extra?.entries ?? [])];
  const next = extra ? extra.next : (first.data?.next_cursor ?? null);
  const older = async () => {
    if (!next) return;
    try {
      const page = await api<AuditPage>(`/v1/audit?limit=${PAGE}&cursor=${encodeURIComponent(next)}${kind ? `&action=${kind}` : ''}`);
      setMore({ kind, entries: [...(extra?.entries ?? []), ...page.entries], next: page.next_cursor });
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section className="card" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <p className="muted small">Administrative actions in this project and its organisation, newest first.</p>
      <label>
        Show{' '}
        <select aria-label="Audit kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">everything</option>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>
      <Problem error={first.error ?? error ?? undefined} />
      {first.data && entries.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="plain" aria-label="Audit log">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Action</th>
                <th className="hide-narrow">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td title={formatTime(e.at)}>{formatAgo(e.at)}</td>
                  <td>
                    {e.actor.label ?? e.actor.id}
                    {e.actor.type === 'api_key' && <span className="muted small"> (API key)</span>}
                  </td>
                  <td className="mono">{e.action}</td>
                  <td className="hide-narrow small">{describe(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" className="button" onClick={() => void older()}>
          Older
        </button>
      )}
    </section>
  );
}
