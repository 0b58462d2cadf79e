/**
 * Running one evaluator version on one subject (a trace or a span): the code path shared
 * by the queue consumer and try-it. Code checks run inline; judges go through the
 * provider (bounded concurrency per provider, daily spend cap); webhooks through fetch.
 * Never throws for evaluator failures: they come back as `error`.
 */
import type { TraceTree } from '../../schema/wire/trace.ts';
import { dbFor } from '../platform/db.ts';
import { compileQuery } from '../store/filter.ts';
import { runCodeCheck, type Verdict } from './checks.ts';
import { runJudge, type JudgeExchange } from './judge.ts';
import { runWebhook } from './webhook.ts';
import { EvalError, asEvalError } from './errors.ts';
import { webhookSecret, type EvaluatorVersion } from './evaluators.ts';
import { loadProvider } from '../llm/providers.ts';
import type { JudgeProvider } from '../llm/types.ts';
import type { HttpPolicy } from '../platform/outbound.ts';
import { reserveJudgeCall, spendCaps, type SpendCaps } from '../llm/spend.ts';
import type { TraceSubject } from '../../schema/values/read.ts';
import { chooseExamples, examplesBlock, fewShotPool, type FewShotExample } from './few-shot.ts';

/** A counting semaphore: at most `max` holders at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  /** Runs `fn` once a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Shared state of one consumer batch or one try-it call: caches and limits. */
export class RunContext {
  private readonly providers = new Map<string, Promise<JudgeProvider | null>>();
  private readonly limiters = new Map<string, Limiter>();
  private caps: Promise<SpendCaps> | null = null;
  private readonly fewShot = new Map<string, Promise<FewShotExample[]>>();
  /** Providers that answered 429/5xx with a wait: further calls in this batch wait too instead of piling on. */
  readonly cooling = new Map<string, EvalError>();

  constructor(
    readonly env: Env,
    readonly projectId: string,
    readonly policy: Omit<HttpPolicy, 'timeoutMs'>,
  ) {}

  provider(id: string): Promise<JudgeProvider | null> {
    let p = this.providers.get(id);
    if (!p) this.providers.set(id, (p = loadProvider(this.env, this.projectId, id)));
    return p;
  }

  limiter(key: string, max: number): Limiter {
    let l = this.limiters.get(key);
    if (!l) this.limiters.set(key, (l = new Limiter(max)));
    return l;
  }

  spendCaps(): Promise<SpendCaps> {
    return (this.caps ??= spendCaps(this.env, this.projectId));
  }

  /** People's labelled examples under `key`, read once per batch. */
  fewShotPool(key: string): Promise<FewShotExample[]> {
    let p = this.fewShot.get(key);
    if (!p) this.fewShot.set(key, (p = fewShotPool(this.env, this.projectId, key)));
    return p;
  }
}

/** The result of one evaluation. */
export interface Evaluation {
  verdict?: Verdict;
  error?: EvalError;
  /** Judges: what was sent and received (null when the provider was not called). */
  exchange?: JudgeExchange | null;
  durationMs: number;
}

/** Runs `evaluator` on the subject. `deliveryId` identifies the job to webhooks (stable across retries). */
export async function evaluate(ctx: RunContext, evaluator: EvaluatorVersion, subject: TraceSubject, deliveryId: string): Promise<Evaluation> {
  const started = Date.now();
  const done = (e: Omit<Evaluation, 'durationMs'>): Evaluation => ({ ...e, durationMs: Date.now() - started });
  const c = evaluator.config;
  try {
    switch (c.type) {
      case 'code':
        return done({ verdict: runCodeCheck(c, subject) });
      case 'judge': {
        const provider = await ctx.provider(c.provider_id);
        if (!provider) return done({ error: new EvalError('invalid_config', `provider '${c.provider_id}' no longer exists in this project`) });
        const cooling = ctx.cooling.get(provider.id);
        if (cooling) return done({ error: cooling, exchange: null });
        if (!(await reserveJudgeCall(ctx.env, ctx.projectId, await ctx.spendCaps()))) {
          return done({ error: new EvalError('spend_cap', "the project's daily judge budget is used up (GET /v1/eval-settings); it resets at 00:00 UTC"), exchange: null });
        }
        // Workers allow 6 simultaneous outbound connections per invocation; the provider's own limit is lower or equal.
        // Timed inside the limiter: the run log's duration is the judge's work, not the wait for a slot.
        let examples = '';
        if (c.few_shot) {
          const pool = await ctx.fewShotPool(c.few_shot.human_key ?? evaluator.key);
          examples = examplesBlock(chooseExamples(pool, c.few_shot, c.output, { traceId: subject.tree.trace.id, input: subject.tree.trace.input_preview ?? '' }));
        }
        const { outcome, ms } = await ctx.limiter(`provider:${provider.id}`, provider.maxConcurrency).run(async () => {
          const t = Date.now();
          const outcome = await runJudge(c, subject, provider, ctx.policy, examples);
          return { outcome, ms: Date.now() - t };
        });
        if (outcome.error?.retryable && outcome.error.retryAfterMs) ctx.cooling.set(provider.id, outcome.error);
        return { verdict: outcome.verdict, error: outcome.error, exchange: outcome.exchange, durationMs: ms };
      }
      case 'webhook': {
        const secret = await webhookSecret(ctx.env, ctx.projectId, evaluator);
        const host = new URL(c.url).host;
        const verdict = await ctx.limiter(`webhook:${host}`, 4).run(() =>
          runWebhook(c, secret, subject, { evaluator: { id: evaluator.id, version: evaluator.version, key: evaluator.key, name: evaluator.name }, projectId: ctx.projectId, deliveryId }, ctx.policy),
        );
        return done({ verdict });
      }
    }
  } catch (err) {
    return done({ error: asEvalError(err) });
  }
}

/** Most spans of one trace a span-targeted evaluator scores (the rest are reported as skipped). */
export const MAX_SPANS_PER_TRACE = 100;

/** The spans of a trace that a span-targeted evaluator applies to, in tree order. */
export async function targetSpanIds(env: Env, projectId: string, evaluator: EvaluatorVersion, tree: TraceTree): Promise<string[]> {
  if (evaluator.target.type !== 'span') return [];
  const { where, params } = compileQuery(evaluator.target.filter, 'spans', projectId, Date.now(), 'target.filter');
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT s.span_id FROM spans s WHERE s.project_id = ? AND s.trace_id = ? AND (${where})`)
    .bind(projectId, tree.trace.id, ...params)
    .all<{ span_id: string }>();
  const wanted = new Set(results.map((r) => r.span_id));
  return tree.spans.filter((s) => wanted.has(s.id)).map((s) => s.id);
}
