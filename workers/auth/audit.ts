/**
 * The audit log of administrative actions: the one writer (`audit`), called with one line
 * after each action succeeds, and the reader behind GET /v1/audit. Rows are scoped like
 * everything else: project actions carry the project; organisation actions (members,
 * invites, password resets) carry only the organisation and show in each of its projects,
 * to its owners and admins only.
 *
 * The row is written after the action, not in its transaction: the actions live in many
 * rooms with their own batches, and a one-line call keeps every one of them readable. The
 * write is awaited, so a failed audit write fails the request (500) rather than passing
 * unrecorded; the action itself is idempotent to retry.
 */
import type { AuthContext } from '../platform/context.ts';
import { controlDb } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';

/** Every action the log records (a dotted `<target>.<verb>`). */
export const AUDIT_ACTIONS = [
  'api_key.created',
  'api_key.revoked',
  'invite.created',
  'invite.revoked',
  'invite.accepted',
  'member.role_changed',
  'member.removed',
  'password_reset.issued',
  'password_reset.used',
  'project.created',
  'provider.created',
  'provider.updated',
  'provider.deleted',
  'evaluator.created',
  'evaluator.updated',
  'evaluator.deleted',
  'rule.created',
  'rule.updated',
  'rule.deleted',
  'review_queue.deleted',
  'routing_rule.deleted',
  'eval_settings.updated',
  'redaction.updated',
  'secrets.reencrypted',
  'alert.created',
  'alert.updated',
  'alert.deleted',
  'project.exported',
  'project.imported',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted, as the log names them. */
type Actor = Pick<AuthContext, 'orgId' | 'projectId' | 'via' | 'principalId' | 'email'>;

/**
 * Records one administrative action by `auth`. `scope: 'org'` files it under the
 * organisation (visible from each of its projects); the default files it under the request's project.
 * `details` must never hold a secret (keys, tokens, passwords).
 */
export async function audit(
  env: Env,
  auth: Actor,
  action: AuditAction,
  target: { type: string; id?: string | null; scope?: 'org' | 'project'; details?: Record<string, unknown> },
): Promise<void> {
  await controlDb(env)
    .prepare(
      `INSERT INTO audit_log (id, org_id, project_id, at, actor_type, actor_id, actor_label, action, target_type, target_id, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      crypto.randomUUID(),
      auth.orgId,
      target.scope === 'org' ? null : auth.projectId,
      Date.now(),
      auth.via === 'session' ? 'user' : 'api_key',
      auth.principalId,
      auth.via === 'session' ? (auth.email ?? null) : await keyLabel(env, auth.principalId),
      action,
      target.type,
      target.id ?? null,
      JSON.stringify(target.details ?? {}),
    )
    .run();
}

async function keyLabel(env: Env, keyId: string): Promise<string | null> {
  const row = await controlDb(env).prepare('SELECT name, prefix FROM api_keys WHERE id = ?').bind(keyId).first<{ name: string; prefix: string }>();
  return row ? `${row.name} (${row.prefix}…)` : null;
}

/** One audit entry as the API shows it. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: 'user' | 'api_key'; id: string; label: string | null };
  action: string;
  target: { type: string; id: string | null };
  scope: 'org' | 'project';
  details: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  project_id: string | null;
  at: number;
  actor_type: 'user' | 'api_key';
  actor_id: string;
  actor_label: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  details: string;
  row_id: number;
}

const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function decodeCursor(cursor: string): [number, number] {
  try {
    const key = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(key) && key.length === 2 && typeof key[0] === 'number' && typeof key[1] === 'number') return key as [number, number];
  } catch {
    // fall through
  }
  throw new ApiError(400, 'invalid_cursor', 'cursor is not valid; pass next_cursor from a previous page unchanged', 'cursor');
}

/**
 * A page of the log for a project, newest first: its own entries and its organisation's.
 * Keyset-paged on (at, rowid): rowid grows with each insert, so entries of the same
 * millisecond keep their order, and entries written while paging never shift a page.
 */
export async function listAudit(
  env: Env,
  scope: { orgId: string; projectId: string },
  opts: { limit: number; cursor?: string; action?: string },
): Promise<{ entries: AuditEntry[]; next_cursor: string | null }> {
  const conds = ['org_id = ?', '(project_id = ? OR project_id IS NULL)'];
  const binds: (string | number)[] = [scope.orgId, scope.projectId];
  if (opts.action) {
    // `member` matches every member.* action; `member.removed` only that one.
    conds.push(opts.action.includes('.') ? 'action = ?' : "substr(action, 1, length(?) + 1) = ? || '.'");
    binds.push(...(opts.action.includes('.') ? [opts.action] : [opts.action, opts.action]));
  }
  if (opts.cursor) {
    const [at, rowid] = decodeCursor(opts.cursor);
    conds.push('(at < ? OR (at = ? AND rowid < ?))');
    binds.push(at, at, rowid);
  }
  const { results } = await controlDb(env)
    .prepare(`SELECT *, rowid AS row_id FROM audit_log WHERE ${conds.join(' AND ')} ORDER BY at DESC, rowid DESC LIMIT ?`)
    .bind(...binds, opts.limit + 1)
    .all<AuditRow>();
  const rows = results.slice(0, opts.limit);
  const last = rows[rows.length - 1];
  return {
    entries: rows.map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
      action: r.action,
      target: { type: r.target_type, id: r.target_id },
      scope: r.project_id === null ? 'org' : 'project',
      details: JSON.parse(r.details) as Record<string, unknown>,
    })),
    next_cursor: results.length > opts.limit && last ? b64url(JSON.stringify([last.at, last.row_id])) : null,
  };
}
