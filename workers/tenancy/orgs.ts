/** Organisations, as plain functions over D1. */
import { controlDb } from '../platform/db.ts';
import { placeNewProject } from '../platform/shard-placement.ts';

/** A new organisation with its creator as owner and a first project, in one transaction. */
export async function createOrg(env: Env, userId: string, name: string, projectName: string) {
  const db = controlDb(env);
  const now = Date.now();
  const org = { id: crypto.randomUUID(), name };
  const project = { id: crypto.randomUUID(), name: projectName };
  const shard = await placeNewProject(env);
  await db.batch([
    db.prepare('INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)').bind(org.id, name, now),
    db.prepare("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)").bind(org.id, userId, now),
    db.prepare('INSERT INTO projects (id, org_id, name, created_at, shard) VALUES (?, ?, ?, ?, ?)').bind(project.id, org.id, projectName, now, shard),
  ]);
  return { org, project };
}
