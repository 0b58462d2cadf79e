/**
 * Alert rules: create, read, change, delete, and their notice history. The check itself
 * (every minute, from the Cron Trigger) is in alert-check.ts.
 */
import type { z } from 'zod';
import type { AlertCreate, AlertEventOut, AlertOut, AlertPatch } from '../../schema/wire/alerts.ts';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { checkEndpointUrl } from '../platform/outbound.ts';
import { encryptSecret, type SealedColumn } from '../platform/secrets.ts';
import { compileQuery } from '../store/filter.ts';

/** An alert row as D1 returns it. */
export interface AlertRow {
  project_id: string;
  id: string;
  name: string;
  metric: string;
  comparator: 'gt' | 'gte' | 'lt' | 'lte';
  threshold: number;
  window_minutes: number;
  filter: string;
  webhook_url: string;
  format: 'slack' | 'json';
  cooldown_minutes: number;
  secret_ciphertext: string;
  active: number;
  state: 'ok' | 'firing';
  last_value: number | null;
  last_checked_at: number | null;
  last_notified_at: number | null;
  created_at: number;
  updated_at: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function alertOut(r: AlertRow): z.output<typeof AlertOut> {
  return {
    id: r.id,
    name: r.name,
    metric: r.metric,
    comparator: r.comparator,
    threshold: r.threshold,
    window_minutes: r.window_minutes,
    filter: r.filter,
    webhook_url: r.webhook_url,
    format: r.format,
    cooldown_minutes: r.cooldown_minutes,
    active: r.active === 1,
    state: r.state,
    last_value: r.last_value,
    last_checked_at: iso(r.last_checked_at),
    last_notified_at: iso(r.last_notified_at),
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

/** The context a signing secret is sealed for: it only opens for this alert. */
export const alertSecretContext = (projectId: string, id: string) => `alert:${projectId}:${id}`;

/** 400s naming the field: a filter that does not parse, a webhook that is not https (loopback http is allowed, for local development). */
function validate(projectId: string, a: { filter?: string; webhook_url?: string }) {
  if (a.filter !== undefined) compileQuery(a.filter, 'traces', projectId, Date.now(), 'filter');
  if (a.webhook_url !== undefined) {
    const why = checkEndpointUrl(a.webhook_url);
    if (why) throw new ApiError(400, 'invalid_request', `webhook_url ${why}`, 'webhook_url');
  }
}

function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

export async function createAlert(env: Env, projectId: string, body: z.output<typeof AlertCreate>): Promise<z.output<typeof AlertOut>> {
  validate(projectId, body);
  const id = `al_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const secret = generateSecret();
  const sealed = await encryptSecret(env, secret, alertSecretContext(projectId, id));
  const now = Date.now();
  await dbFor(env, projectId)
    .prepare(
      `INSERT INTO alerts (project_id, id, name, metric, comparator, threshold, window_minutes, filter, webhook_url, format, cooldown_minutes, secret_ciphertext, active, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?)`,
    )
    .bind(projectId, id, body.name, body.metric, body.comparator, body.threshold, body.window_minutes, body.filter, body.webhook_url, body.format, body.cooldown_minutes, sealed, body.active ? 1 : 0, now, now)
    .run();
  // Shown once, like an API key, so the receiver can verify signatures.
  return { ...alertOut((await loadAlert(env, projectId, id))!), signing_secret: secret };
}

export async function loadAlert(env: Env, projectId: string, id: string): Promise<AlertRow | null> {
  return dbFor(env, projectId).prepare('SELECT * FROM alerts WHERE project_id = ? AND id = ?').bind(projectId, id).first<AlertRow>();
}

export async function getAlert(env: Env, projectId: string, id: string): Promise<AlertRow> {
  const row = await loadAlert(env, projectId, id);
  if (!row) throw new ApiError(404, 'not_found', `no alert ${id} in this project`);
  return row;
}

export async function listAlerts(env: Env, projectId: string): Promise<z.output<typeof AlertOut>[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM alerts WHERE project_id = ? ORDER BY created_at DESC LIMIT 500').bind(projectId).all<AlertRow>();
  return results.map(alertOut);
}

export async function updateAlert(env: Env, projectId: string, id: string, patch: z.output<typeof AlertPatch>): Promise<z.output<typeof AlertOut>> {
  const cur = await getAlert(env, projectId, id);
  validate(projectId, patch);
  const next = { ...alertOut(cur), ...patch };
  await dbFor(env, projectId)
    .prepare(
      `UPDATE alerts SET name = ?, metric = ?, comparator = ?, threshold = ?, window_minutes = ?, filter = ?, webhook_url = ?, format = ?, cooldown_minutes = ?, active = ?, updated_at = ?
       WHERE project_id = ? AND id = ?`,
    )
    .bind(next.name, next.metric, next.comparator, next.threshold, next.window_minutes, next.filter, next.webhook_url, next.format, next.cooldown_minutes, next.active ? 1 : 0, Date.now(), projectId, id)
    .run();
  return alertOut((await loadAlert(env, projectId, id))!);
}

export async function deleteAlert(env: Env, projectId: string, id: string): Promise<void> {
  await getAlert(env, projectId, id);
  const db = dbFor(env, projectId);
  await db.batch([db.prepare('DELETE FROM alerts WHERE project_id = ? AND id = ?').bind(projectId, id), db.prepare('DELETE FROM alert_events WHERE project_id = ? AND alert_id = ?').bind(projectId, id)]);
}

export async function listAlertEvents(env: Env, projectId: string, id: string): Promise<z.output<typeof AlertEventOut>[]> {
  await getAlert(env, projectId, id);
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT * FROM alert_events WHERE project_id = ? AND alert_id = ? ORDER BY at DESC, id DESC LIMIT 500')
    .bind(projectId, id)
    .all<{ id: string; alert_id: string; kind: 'fired' | 'recovered'; value: number | null; threshold: number; delivery: 'delivered' | 'failed'; attempts: number; error: string | null; at: number }>();
  return results.map((e) => ({ id: e.id, alert_id: e.alert_id, kind: e.kind, value: e.value, threshold: e.threshold, delivery: e.delivery, attempts: e.attempts, error: e.error, at: new Date(e.at).toISOString() }));
}

/** Where alert signing secrets are sealed, for key rotation (platform/secrets.ts reencryptColumn). */
export const alertSecretColumn: SealedColumn = {
  table: 'alerts',
  keys: ['project_id', 'id'],
  sealed: 'secret_ciphertext',
  set: 'secret_ciphertext = ?',
  context: (r) => alertSecretContext(r.project_id, r.id),
};
