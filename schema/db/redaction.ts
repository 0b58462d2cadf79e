/**
 * A project's PII redaction policy (workers/store/redaction): applied to every span batch
 * before it is written to R2, so neither the raw log, the D1 index nor full-text search ever
 * holds a redacted value. No row = off (the default).
 */
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

export const redactionSettings = sqliteTable('redaction_settings', {
  projectId: text('project_id').primaryKey(),
  /** 1 = redact every batch from now on; 0 = off (the policy is kept for when it is switched back on). */
  enabled: integer('enabled').notNull(),
  /** mask: `[EMAIL]`; hash: `[EMAIL:<16 hex of HMAC-SHA-256>]`, equal values give equal hashes. */
  mode: text('mode', { enum: ['mask', 'hash'] }).notNull(),
  /** JSON array of built-in detector names. */
  detectors: text('detectors').notNull(),
  /** JSON array of { name, pattern } custom regexes, checked at save (workers/store/redaction/redact.ts unsafePattern). */
  custom: text('custom').notNull(),
  /** The project's HMAC key, made the first time hash mode is chosen and kept (so hashes stay stable), sealed with ENCRYPTION_KEY and rotated with the other secrets. */
  hashKeySealed: text('hash_key_sealed'),
  updatedAt: integer('updated_at').notNull(),
});
