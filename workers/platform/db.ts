/**
 * The one place code reaches D1. Today every project lives in the `DB` database; when one
 * database is not enough (D1: 10 GB each), projects shard across databases and only
 * `dbFor` changes.
 */

/** The database holding a project's traces, spans and feedback. */
export function dbFor(env: Env, _projectId: string): D1Database {
  return env.DB;
}

/** The database holding tenancy (orgs, users, projects, API keys). */
export function controlDb(env: Env): D1Database {
  return env.DB;
}

/** Every database that holds projects (one today): what a cross-project pass walks (the sweepers, re-encryption after a key rotation). */
export function projectDatabases(env: Env): D1Database[] {
  return [env.DB];
}
