import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Setup files run before each test file: bring its isolated D1 shards to the current schema
// (every shard holds the full schema; docs/shards.md).
const migrations = (env as unknown as { TEST_MIGRATIONS: import("cloudflare:test").D1Migration[] }).TEST_MIGRATIONS;
for (const db of [env.DB, env.DB_SHARD_1, env.DB_SHARD_2]) await applyD1Migrations(db, migrations);
