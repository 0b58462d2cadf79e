/**
 * The alert check, run by the every-minute Cron Trigger: for each active alert, one bounded
 * SQL query computes its metric over the window; a change of state (ok -> firing, firing ->
 * ok) outside the cooldown sends one signed notice. Alerts are checked concurrently and each
 * delivery is bounded in time, so a slow or broken webhook never holds up the others.
 */
import { dbFor, projectDatabases } from '../platform/db.ts';
import { OutboundError, backoffMs, sendWithRetry } from '../platform/outbound.ts';
import { decryptSecret } from '../platform/secrets.ts';
import { compileQuery } from '../store/filter.ts';
import { signedHeaders } from '../platform/webhook-signature.ts';
import { alertSecretContext, type AlertRow } from './alerts.ts';

/** Alerts checked per database per minute (a Cron invocation has 30 s of CPU; each check is one query). */
const MAX_ALERTS_PER_RUN = 200;
/** Per attempt: a webhook that has not answered by then counts as a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 3_000;
/** Attempts per notice (first try + retries with backoff), then the notice is recorded as failed. */
export const DELIVERY_ATTEMPTS = 3;

/**
 * The metric's SQL over traces started in the window, narrowed by the alert's filter. Every
 * query walks traces_project_start (project, start_time), so its cost grows with the traces
 * in the window only. latency_p95 is exact (nearest rank: the ceil(0.95 n)-th duration).
 */
export function metricQuery(a: Pick<AlertRow, 'metric' | 'filter' | 'window_minutes'>, projectId: string, now: number): { sql: string; params: unknown[] } {
  const { where, params: fp } = compileQuery(a.filter, 'traces', projectId, now, 'filter');
  const since = now - a.window_minutes * 60_000;
  const base = `FROM traces t WHERE t.project_id = ? AND t.start_time >= ? AND t.start_time <= ? AND (${where})`;
  const bp = [projectId, since, now, ...fp];
  switch (a.metric) {
    case 'error_rate':
      return { sql: `SELECT AVG(t.has_error) AS v ${base}`, params: bp };
    case 'trace_count':
      return { sql: `SELECT COUNT(*) AS v ${base}`, params: bp };
    case 'cost':
      return { sql: `SELECT TOTAL(t.cost_usd) AS v ${base}`, params: bp };
    case 'tokens':
      return { sql: `SELECT TOTAL(t.total_tokens) AS v ${base}`, params: bp };
    case 'latency_p95':
      return {
        sql: `SELECT t.duration_ms AS v ${base} AND t.duration_ms IS NOT NULL ORDER BY t.duration_ms
              LIMIT 1 OFFSET (SELECT MAX(0, CAST(((COUNT(*) * 0.95) + 0.999999999) AS INTEGER) - 1) ${base} AND t.duration_ms IS NOT NULL)`,
        params: [...bp, ...bp],
      };
  }
  const m = /^(score|feedback)\.(.+)$/.exec(a.metric);
  if (!m) throw new Error(`unknown metric ${a.metric}`);
  // score.<key>: evaluator scores; feedback.<key>: every other source (end users, reviewers, the API).
  const source = m[1] === 'score' ? "f.source = 'evaluator'" : "f.source <> 'evaluator'";
  return {
    sql: `SELECT AVG(f.score) AS v FROM feedback f WHERE f.project_id = ? AND f.key = ? AND f.score IS NOT NULL AND ${source}
          AND f.trace_id IN (SELECT t.trace_id ${base})`,
    params: [projectId, m[2], ...bp],
  };
}

export function breaches(value: number, comparator: AlertRow['comparator'], threshold: number): boolean {
  switch (comparator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
  }
}

const SYMBOL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** The notice body: Slack's {text, blocks}, or the plain JSON description. */
export function noticeBody(a: AlertRow, kind: 'fired' | 'recovered', value: number | null, now: number): string {
  const shown = value === null ? 'no data' : Number.isInteger(value) ? String(value) : value.toFixed(4);
  const cond = `${a.metric} ${SYMBOL[a.comparator]} ${a.threshold} over ${a.window_minutes} min${a.filter ? ` where ${a.filter}` : ''}`;
  if (a.format === 'slack') {
    const text = kind === 'fired' ? `:rotating_light: Alert "${a.name}" is firing: ${a.metric} = ${shown} (${cond})` : `:white_check_mark: Alert "${a.name}" recovered: ${a.metric} = ${shown} (${cond})`;
    return JSON.stringify({
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `project ${a.project_id} · alert ${a.id} · ${new Date(now).toISOString()}` }] },
      ],
    });
  }
  return JSON.stringify({
    type: kind === 'fired' ? 'alert.fired' : 'alert.recovered',
    alert: { id: a.id, name: a.name, metric: a.metric, comparator: a.comparator, threshold: a.threshold, window_minutes: a.window_minutes, filter: a.filter },
    project_id: a.project_id,
    state: kind === 'fired' ? 'firing' : 'ok',
    value,
    at: new Date(now).toISOString(),
  });
}

/** POSTs a notice, signed; retries with backoff, and answers how it went (never throws). */
async function deliver(e: Env, a: AlertRow, body: string, deliveryId: string): Promise<{ delivery: 'delivered' | 'failed'; attempts: number; error: string | null }> {
  let secret: string | null = null;
  try {
    secret = await decryptSecret(e, a.secret_ciphertext, alertSecretContext(a.project_id, a.id));
  } catch (err) {
    return { delivery: 'failed', attempts: 0, error: `signing secret could not be opened: ${(err as Error).message}` };
  }
  let error = '';
  for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
    // Signed afresh per attempt: a timestamp-checking receiver must not see a retry as stale.
    const headers = await signedHeaders(secret, body, deliveryId, 'Loupe-Alerts/1');
    try {
      await sendWithRetry(a.webhook_url, { method: 'POST', headers, body }, { timeoutMs: DELIVERY_TIMEOUT_MS, inlineRetries: 0, maxInlineWaitMs: 0 }, `the alert webhook (${new URL(a.webhook_url).host})`, [secret]);
      return { delivery: 'delivered', attempts: attempt, error: null };
    } catch (err) {
      error = err instanceof OutboundError ? err.message : String(err);
      // A 4xx will not get better by retrying.
      if (err instanceof OutboundError && !err.retryable) return { delivery: 'failed', attempts: attempt, error };
      if (attempt < DELIVERY_ATTEMPTS) await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
  return { delivery: 'failed', attempts: DELIVERY_ATTEMPTS, error };
}

/** Checks one alert at `now`; answers what happened. */
export async function checkAlert(e: Env, a: AlertRow, now: number): Promise<'fired' | 'recovered' | 'unchanged' | 'cooldown' | 'no_data'> {
  const db = dbFor(e, a.project_id);
  const q = metricQuery(a, a.project_id, now);
  const row = await db.prepare(q.sql).bind(...q.params).first<{ v: number | null }>();
  const value = row?.v ?? null;
  await db.prepare('UPDATE alerts SET last_value = ?, last_checked_at = ? WHERE project_id = ? AND id = ?').bind(value, now, a.project_id, a.id).run();
  // No traces in the window says nothing about a rate or an average: the state stays.
  if (value === null) return 'no_data';
  const want = breaches(value, a.comparator, a.threshold) ? 'firing' : 'ok';
  if (want === a.state) return 'unchanged';
  if (a.last_notified_at !== null && now - a.last_notified_at < a.cooldown_minutes * 60_000) return 'cooldown';
  // Claim the change: only one of two overlapping cron runs wins it, so one notice is sent.
  const claim = await db
    .prepare('UPDATE alerts SET state = ?, last_notified_at = ? WHERE project_id = ? AND id = ? AND state = ?')
    .bind(want, now, a.project_id, a.id, a.state)
    .run();
  if (claim.meta.changes !== 1) return 'unchanged';
  const kind = want === 'firing' ? 'fired' : 'recovered';
  const eventId = `${a.id}:${kind}:${now}`;
  const result = await deliver(e, a, noticeBody(a, kind, value, now), eventId);
  await db
    .prepare('INSERT OR IGNORE INTO alert_events (project_id, id, alert_id, kind, value, threshold, delivery, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(a.project_id, eventId, a.id, kind, value, a.threshold, result.delivery, result.attempts, result.error, now)
    .run();
  return kind;
}

/** Every active alert in every database, each on its own (one failing does not stop the others). */
export async function checkAlerts(e: Env, now = Date.now()): Promise<void> {
  for (const db of projectDatabases(e)) {
    const { results } = await db.prepare('SELECT * FROM alerts WHERE active = 1 ORDER BY last_checked_at LIMIT ?').bind(MAX_ALERTS_PER_RUN).all<AlertRow>();
    const done = await Promise.allSettled(results.map((a) => checkAlert(e, a, now)));
    for (const [i, r] of done.entries()) if (r.status === 'rejected') console.error(`alert ${results[i].id} check failed`, r.reason);
  }
}
