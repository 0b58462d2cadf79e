/**
 * The LLM path of a report, when the project has an LLM provider: facets (request, task,
 * outcome, failure reason) for a sample of traces, and names and descriptions for the
 * clusters (engine/llm.ts holds the prompts and parsers). Every call is a judge call:
 * reserved against the project's daily judge caps first (workers/llm/spend.ts), its cost
 * added, and recorded as a judge-call trace in the system project like an evaluator's.
 * The first failure (an error, a timeout, the cap) turns the LLM off for the rest of the
 * report (a flag in R2 every later step reads), and the report completes offline with a note.
 */
import { dbFor } from '../platform/db.ts';
import { stableId } from '../platform/ids.ts';
import { loadProvider, providerExists } from '../llm/providers.ts';
import { ApiError } from '../platform/errors.ts';
import { addJudgeCost, reserveJudgeCall, spendCaps } from '../llm/spend.ts';
import type { JudgeProvider } from '../llm/types.ts';
import { callCost, type JudgeExchange } from '../evals/judge.ts';
import { recordJudgeCalls, type JudgeCallRecord } from '../evals/judge-traces.ts';
import { EvalError } from '../evals/errors.ts';
import { FACET_PROMPT, LABEL_PROMPT, parseFacets, type ClusterLabel, type ClusterLabelRequest } from './engine/llm.ts';
import type { TraceFacets } from './engine/summary.ts';

/** Traces per report given facets: bounds a report's judge calls (and spend) whatever its size. */
export const MAX_FACET_TRACES = 500;
/** One call's timeout: a provider slower than this is treated as failing. */
const CALL_TIMEOUT_MS = 20_000;

const FACET_SCHEMA = {
  type: 'object',
  properties: { request: { type: 'string' }, task: { type: 'string' }, outcome: { type: 'string' }, failure_reason: { type: ['string', 'null'] } },
  required: ['request', 'task', 'outcome', 'failure_reason'],
  additionalProperties: false,
};
const LABEL_SCHEMA = { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' } }, required: ['name', 'description'], additionalProperties: false };

/** The provider a report uses: the one asked for, else the project's first; null = offline. */
export async function reportProvider(env: Env, projectId: string, providerId: string | null | undefined): Promise<string | null> {
  if (providerId) {
    if (!(await providerExists(env, projectId, providerId))) throw new ApiError(400, 'invalid_request', `provider_id: no LLM provider '${providerId}' in this project`, 'provider_id');
    return providerId;
  }
  const r = await dbFor(env, projectId).prepare('SELECT id FROM eval_providers WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at, id LIMIT 1').bind(projectId).first<{ id: string }>();
  return r?.id ?? null;
}

/** Why the LLM stopped, or null while it works. */
export type LlmStop = string | null;

/** A session of judge calls for one step: stops at the first failure. */
export class InsightsCalls {
  stopped: LlmStop = null;
  calls = 0;
  private records: JudgeCallRecord[] = [];

  private constructor(
    private env: Env,
    private projectId: string,
    private reportId: string,
    private provider: JudgeProvider,
    private model: string,
    private caps: Awaited<ReturnType<typeof spendCaps>>,
  ) {}

  static async open(env: Env, projectId: string, reportId: string, providerId: string): Promise<InsightsCalls | string> {
    const provider = await loadProvider(env, projectId, providerId);
    if (!provider) return `the LLM provider ${providerId} no longer exists`;
    const model = provider.defaultModel;
    if (!model) return `the LLM provider ${provider.name} has no default model`;
    return new InsightsCalls(env, projectId, reportId, provider, model, await spendCaps(env, projectId));
  }

  get modelLabel(): string {
    return `${this.provider.type}:${this.model}`;
  }

  private async call(subject: string, system: string, user: string, schema: Record<string, unknown>, schemaName: string): Promise<unknown> {
    if (this.stopped) return undefined;
    if (!(await reserveJudgeCall(this.env, this.projectId, this.caps))) {
      this.stopped = 'the daily judge spend cap was reached';
      return undefined;
    }
    this.calls++;
    const started = Date.now();
    const exchange: JudgeExchange = { provider: this.provider.type, model: this.model, messages: [{ role: 'system', content: system }, { role: 'user', content: user }], schema, raw: null, usage: { input_tokens: null, output_tokens: null }, cost_usd: null, started_at: started, ended_at: started };
    const record: JudgeCallRecord = {
      traceId: await stableId('', `insights\u0000${this.reportId}\u0000${schemaName}\u0000${subject}`),
      sourceProjectId: this.projectId,
      sourceTraceId: subject,
      sourceSpanId: null,
      evaluator: { id: 'insights', version: 1, name: `Insights ${schemaName}`, key: `insights_${schemaName}` },
      ruleId: null,
      runId: this.reportId,
      feedbackId: null,
      exchange,
    };
    this.records.push(record);
    try {
      const answer = await this.provider.complete({ model: this.model, system, user, schema, schemaName, temperature: 0, maxTokens: 400, policy: { timeoutMs: CALL_TIMEOUT_MS, inlineRetries: 1, maxInlineWaitMs: 2_000 } });
      exchange.raw = answer.raw;
      exchange.usage = answer.usage;
      exchange.cost_usd = callCost(this.provider, this.model, answer.usage);
      exchange.ended_at = Date.now();
      if (exchange.cost_usd) await addJudgeCost(this.env, this.projectId, exchange.cost_usd).run();
      return answer.parsed ?? answer.raw;
    } catch (err) {
      exchange.ended_at = Date.now();
      const message = err instanceof Error ? err.message : String(err);
      record.error = err instanceof EvalError ? err : new EvalError('provider_error', message);
      this.stopped = `the LLM provider failed (${message.slice(0, 200)})`;
      return undefined;
    }
  }

  /** Facets of one trace from its rendered trajectory, or null. */
  async facets(traceId: string, trajectory: string): Promise<TraceFacets | null> {
    const answer = await this.call(traceId, FACET_PROMPT, trajectory, FACET_SCHEMA, 'facets');
    return answer === undefined ? null : parseFacets(answer);
  }

  /** A cluster's name and description, or null. */
  async label(req: ClusterLabelRequest): Promise<ClusterLabel | null> {
    const user = [`Terms: ${req.terms.join(', ')}`, `Examples:\n${req.examples.map((e) => `- ${e}`).join('\n')}`, `Other clusters: ${req.siblings.join('; ') || '(none)'}`].join('\n\n');
    const answer = await this.call(req.clusterId, LABEL_PROMPT, user, LABEL_SCHEMA, 'labels');
    if (answer === undefined) return null;
    const a = answer as { name?: unknown; description?: unknown };
    return typeof a?.name === 'string' && typeof a.description === 'string' && a.name.trim() ? { name: a.name.trim(), description: a.description.trim() } : null;
  }

  /** Records this step's calls as judge-call traces (one R2 batch). */
  async flush(): Promise<void> {
    const records = this.records;
    this.records = [];
    await recordJudgeCalls(this.env, this.projectId, records);
  }
}
