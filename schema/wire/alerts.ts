/**
 * Wire schemas for alerts: a rule on a metric over a window, checked every minute, notifying
 * a signed webhook when it starts firing and when it recovers. Reference: docs/monitoring-alerts.md.
 */
import { z } from 'zod';

/** Metrics with a fixed name; `score.<key>` and `feedback.<key>` are the per-key averages. */
export const FIXED_METRICS = ['error_rate', 'trace_count', 'latency_p95', 'cost', 'tokens'] as const;
const METRIC_RE = /^(error_rate|trace_count|latency_p95|cost|tokens|(score|feedback)\.[A-Za-z0-9_.:-]{1,120})$/;

export const AlertMetric = z.string().regex(METRIC_RE, { message: 'unknown metric: use error_rate, trace_count, latency_p95, cost, tokens, score.<key> or feedback.<key>' });
export const Comparator = z.enum(['gt', 'gte', 'lt', 'lte']);

/** POST /v1/alerts. */
export const AlertCreate = z
  .object({
    name: z.string().min(1).max(128),
    metric: AlertMetric.meta({ description: 'error_rate (0..1), trace_count, latency_p95 (ms), cost (USD), tokens, score.<key> (evaluator score average), feedback.<key> (human / end-user feedback average)' }),
    comparator: Comparator.meta({ description: 'Fires when `metric <comparator> threshold`' }),
    threshold: z.number().finite(),
    window_minutes: z.number().int().min(1).max(10_080).meta({ description: 'The metric is computed over traces started in the last this many minutes (up to 7 days)' }),
    filter: z.string().max(4000).default('').meta({ description: "Traces counted, in the filter language ('' = every trace), e.g. env=production" }),
    webhook_url: z.string().max(2000).meta({ description: 'HTTPS endpoint (plain http only for localhost)' }),
    format: z.enum(['slack', 'json']).default('json').meta({ description: 'slack: a Slack-compatible {text, blocks} body; json: the alert, value and state' }),
    cooldown_minutes: z.number().int().min(0).max(10_080).default(60).meta({ description: 'After a notice, no other notice for this long (state changes wait)' }),
    active: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'AlertCreate', example: { name: 'errors in production', metric: 'error_rate', comparator: 'gt', threshold: 0.05, window_minutes: 60, filter: 'env=production', webhook_url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', cooldown_minutes: 60 } });

/** PATCH /v1/alerts/{id}. */
export const AlertPatch = z
  .object({
    name: z.string().min(1).max(128).optional(),
    metric: AlertMetric.optional(),
    comparator: Comparator.optional(),
    threshold: z.number().finite().optional(),
    window_minutes: z.number().int().min(1).max(10_080).optional(),
    filter: z.string().max(4000).optional(),
    webhook_url: z.string().max(2000).optional(),
    format: z.enum(['slack', 'json']).optional(),
    cooldown_minutes: z.number().int().min(0).max(10_080).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'AlertPatch' });

/** An alert rule with its state. */
export const AlertOut = z
  .object({
    id: z.string(),
    name: z.string(),
    metric: z.string(),
    comparator: Comparator,
    threshold: z.number(),
    window_minutes: z.number(),
    filter: z.string(),
    webhook_url: z.string(),
    format: z.enum(['slack', 'json']),
    cooldown_minutes: z.number(),
    active: z.boolean(),
    state: z.enum(['ok', 'firing']),
    last_value: z.number().nullable(),
    last_checked_at: z.string().nullable(),
    last_notified_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    signing_secret: z.string().optional().meta({ description: 'Shown once at creation: verify `x-loupe-signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`' }),
  })
  .meta({ id: 'Alert' });

/** One notice. */
export const AlertEventOut = z
  .object({
    id: z.string(),
    alert_id: z.string(),
    kind: z.enum(['fired', 'recovered']),
    value: z.number().nullable(),
    threshold: z.number(),
    delivery: z.enum(['delivered', 'failed']),
    attempts: z.number(),
    error: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'AlertEvent' });
