/** Helpers for calibration tests: judge scores as the eval consumer writes them, human labels, labelled traces. */
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { api, span, waitForTrace } from './helpers.ts';
import { postSpans } from './evals-helpers.ts';

/** An evaluator score as the eval consumer writes it (source evaluator, its version). */
export async function judgeScore(projectId: string, evaluatorId: string, version: number, traceId: string, key: string, score: number | null, opts: { value?: unknown; comment?: string; at?: number } = {}) {
  const at = opts.at ?? Date.now();
  await env.DB.prepare(
    `INSERT INTO feedback (id, project_id, trace_id, span_id, key, score, value, comment, source, author, evaluator_id, evaluator_version, created_at, updated_at)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?, 'evaluator', ?, ?, ?, ?, ?)`,
  )
    .bind(`ev-${evaluatorId}-${version}-${traceId}`, projectId, traceId, key, score, opts.value === undefined ? null : JSON.stringify(opts.value), opts.comment ?? null, evaluatorId, evaluatorId, version, at, at)
    .run();
}

/** A human label through the API. */
export async function human(key: string, traceId: string, fbKey: string, body: Record<string, unknown>) {
  const res = await api('/v1/feedback', { key, body: { trace_id: traceId, key: fbKey, source: 'human', ...body } });
  expect(res.status).toBe(200);
}

/** Finished traces `${prefix}0..n-1`, each asking a question that carries its own marker (the fake provider answers by marker). */
export async function markedTraces(key: string, prefix: string, n: number) {
  const spans = Array.from({ length: n }, (_, i) => span('root', `${prefix}${i}`, { kind: 'agent', input: `Question MARK-${prefix}${i}-END about bags`, output: `Answer ${i}`, end_time: '2026-01-01T00:00:01Z' }));
  await postSpans(key, spans);
  for (let i = 0; i < n; i++) await waitForTrace(key, `${prefix}${i}`, 1);
}

/** A fake-provider match rule: the call about trace `traceId` answers `verdict`, or malformed text. */
export const answerFor = (traceId: string, verdict: boolean | 'malformed') => ({
  contains: `MARK-${traceId}-END`,
  step: verdict === 'malformed' ? { text: 'I would say it is fine.' } : { verdict: { reasoning: `about ${traceId}: ${verdict}`, verdict } },
});
