/**
 * First-run bootstrap: creates the first organisation, its owner, a project named
 * `default` and an admin API key. Allowed once, while no user exists, and only with the
 * instance's SETUP_SECRET (a Worker secret; `npm start` makes one for local use).
 */
import { hashPassword } from '../auth/password.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { controlDb } from '../platform/db.ts';

/** What the bootstrap created; the API key and password are shown only here. */
export interface SetupResult {
  org: { id: string; name: string };
  project: { id: string; name: string };
  user: { id: string; email: string };
  api_key: string;
}

/** True once any user exists (the instance is set up). */
export async function isSetUp(env: Env): Promise<boolean> {
  return (await controlDb(env).prepare('SELECT 1 FROM users LIMIT 1').first()) !== null;
}

/** Creates org, owner, project and key in one transaction. Returns null when already set up. */
export async function bootstrap(env: Env, opts: { email: string; password: string; orgName: string; projectName: string }): Promise<SetupResult | null> {
  const db = controlDb(env);
  const now = Date.now();
  const org = { id: crypto.randomUUID(), name: opts.orgName };
  const project = { id: crypto.randomUUID(), name: opts.projectName };
  const user = { id: crypto.randomUUID(), email: opts.email.toLowerCase() };
  const passwordHash = await hashPassword(opts.password);
  // The INSERT ... WHERE NOT EXISTS makes a race between two setup calls create one owner:
  // D1 runs a batch as one transaction, and the second batch sees the first's user.
  const results = await db.batch([
    db.prepare('INSERT INTO users (id, email, name, password_hash, created_at) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users)').bind(user.id, user.email, 'Admin', passwordHash, now),
    db.prepare('INSERT INTO orgs (id, name, created_at) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)').bind(org.id, org.name, now, user.id),
    db.prepare("INSERT INTO memberships (org_id, user_id, role, created_at) SELECT ?, ?, 'owner', ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)").bind(org.id, user.id, now, user.id),
    db.prepare('INSERT INTO projects (id, org_id, name, created_at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)').bind(project.id, org.id, project.name, now, user.id),
  ]);
  if (!results[0].meta.changes) return null;
  const key = await createApiKey(db, { projectId: project.id, name: 'setup', scopes: ['ingest', 'read', 'admin'], createdBy: user.id });
  return { org, project, user, api_key: key.key };
}
