/**
 * Monitoring tables: alert rules on a metric over a window (checked by the every-minute
 * Cron Trigger) and the history of their notices.
 */
import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';

/** An alert rule and its current state (`ok` or `firing`), one row per rule. */
export const alerts = sqliteTable(
  'alerts',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** error_rate | trace_count | latency_p95 | cost | tokens | score.<key> | feedback.<key>. */
    metric: text('metric').notNull(),
    /** gt | gte | lt | lte. */
    comparator: text('comparator').notNull(),
    threshold: real('threshold').notNull(),
    windowMinutes: integer('window_minutes').notNull(),
    /** Filter-language text over traces ('' = every trace). */
    filter: text('filter').notNull(),
    webhookUrl: text('webhook_url').notNull(),
    /** slack | json. */
    format: text('format').notNull(),
    cooldownMinutes: integer('cooldown_minutes').notNull(),
    /** The webhook signing secret, sealed by workers/platform/secrets.ts. */
    secretCiphertext: text('secret_ciphertext').notNull(),
    active: integer('active').notNull(),
    /** ok | firing. */
    state: text('state').notNull(),
    lastValue: real('last_value'),
    lastCheckedAt: integer('last_checked_at'),
    /** When the last notice (fired or recovered) was attempted: the cooldown counts from here. */
    lastNotifiedAt: integer('last_notified_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('alerts_active').on(t.active, t.lastCheckedAt)],
);

/** One notice of an alert: it started firing or it recovered, and whether the webhook took it. */
export const alertEvents = sqliteTable(
  'alert_events',
  {
    projectId: text('project_id').notNull(),
    id: text('id').notNull(),
    alertId: text('alert_id').notNull(),
    /** fired | recovered. */
    kind: text('kind').notNull(),
    value: real('value'),
    threshold: real('threshold').notNull(),
    /** delivered | failed. */
    delivery: text('delivery').notNull(),
    attempts: integer('attempts').notNull(),
    error: text('error'),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] }), index('alert_events_alert').on(t.projectId, t.alertId, t.at)],
);
