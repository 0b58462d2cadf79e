/**
 * Webhook evaluators: POST the trace to the team's endpoint, signed with HMAC-SHA256, and
 * read back a score. The signature header is `x-loupe-signature: t=<unix seconds>,v1=<hex>`
 * over `<t>.<body>` (the scheme Stripe and others use, so verification code is familiar);
 * `x-loupe-delivery` is stable across retries of the same job, for deduplication. On a
 * thread rule the body also carries `thread` (the conversation), not just its last turn.
 */
import type { WebhookConfig } from '../../schema/wire/evaluators.ts';
import { WebhookAnswer } from '../../schema/wire/evaluators.ts';
import type { TraceSubject } from '../../schema/values/read.ts';
import { MAX_RESPONSE_BYTES, OutboundError, readBoundedText, sendWithRetry, type HttpPolicy } from '../platform/outbound.ts';
import { signedHeaders } from '../platform/webhook-signature.ts';
import { EvalError } from './errors.ts';
import type { Verdict } from './checks.ts';

/** Who is asking, sent with the trace. */
export interface WebhookContext {
  evaluator: { id: string; version: number; key: string; name: string };
  projectId: string;
  deliveryId: string;
}

/** Calls the webhook and validates its answer. Throws EvalError on failure. */
export async function runWebhook(cfg: WebhookConfig, secret: string | null, subject: TraceSubject, ctx: WebhookContext, policy: Omit<HttpPolicy, 'timeoutMs'>): Promise<Verdict> {
  const body = JSON.stringify({
    evaluator: ctx.evaluator,
    project_id: ctx.projectId,
    trace: subject.tree.trace,
    spans: subject.tree.spans,
    feedback: subject.tree.feedback,
    span_id: subject.span?.id ?? null,
    // The dataset example when the trace is an experiment run (reference outputs, criteria, expected trajectory).
    example: subject.example ?? null,
    // A thread rule's job: the whole conversation, every loaded turn in time order (the
    // trace above is its last turn). Turns are the root spans' inputs and outputs as stored,
    // at most MAX_CONVERSATION_TURNS (the latest); `total_turns` says how many there are.
    thread: subject.thread ? { id: subject.thread.id, total_turns: subject.thread.totalTurns, turns: subject.thread.turns } : null,
  });
  const headers = { ...cfg.headers, ...(await signedHeaders(secret, body, ctx.deliveryId, 'Loupe-Evaluator/1')) };
  let res: Response;
  try {
    res = await sendWithRetry(cfg.url, { method: 'POST', headers, body }, { ...policy, timeoutMs: cfg.timeout_ms }, `the webhook (${new URL(cfg.url).host})`, [secret]);
  } catch (err) {
    if (err instanceof OutboundError && err.code === 'provider_error') throw new EvalError('webhook_error', err.message);
    throw err;
  }
  let text: string;
  try {
    text = await readBoundedText(res, MAX_RESPONSE_BYTES, `the webhook (${new URL(cfg.url).host})`);
  } catch (err) {
    if (err instanceof OutboundError && err.code === 'response_too_large') throw new EvalError('malformed_answer', err.message);
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EvalError('malformed_answer', `the webhook answered ${res.status} without JSON: ${text.slice(0, 200)}`);
  }
  const parsed = WebhookAnswer.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EvalError('malformed_answer', `the webhook's answer is invalid${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  const a = parsed.data;
  const score = typeof a.score === 'boolean' ? (a.score ? 1 : 0) : (a.score ?? null);
  return { score, value: a.value, comment: a.comment ?? null };
}
