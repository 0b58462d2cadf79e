/**
 * D1 shards (control database only). Each shard is a D1 database binding holding the full
 * schema; a project's rows live in exactly one of them (`projects.shard`). D1 caps a
 * database at 10 GB, so projects spread over several; see docs/shards.md.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

/** A shard an operator registered, with the size past which writes to it are refused (507 shard_full). */
export const shards = sqliteTable('shards', {
  /** The D1 binding name in wrangler.toml (`DB`, `DB_SHARD_1`, ...). */
  name: text('name').primaryKey(),
  /** Bytes; null means SHARD_CAPACITY_BYTES. */
  capacity: integer('capacity'),
  created: integer('created').notNull(),
});

/**
 * One move of a project between shards, resumable: `step` is where it is, `counts` the rows
 * copied per table (JSON), and the copy cursor lives in `cursor` (JSON: table + last key).
 */
export const shardMoves = sqliteTable(
  'shard_moves',
  {
    id: text('id').primaryKey(),
    project: text('project').notNull(),
    from: text('from').notNull(),
    to: text('to').notNull(),
    /** running | done | failed */
    state: text('state', { enum: ['running', 'done', 'failed'] }).notNull(),
    /** mark | copy | verify | switch | cleanup | done */
    step: text('step').notNull(),
    cursor: text('cursor'),
    counts: text('counts'),
    started: integer('started').notNull(),
    finished: integer('finished'),
    error: text('error'),
  },
  (t) => [index('shard_moves_project').on(t.project, t.started)],
);
