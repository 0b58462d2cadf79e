/**
 * LangSmith feedback -> Loupe feedback. LangSmith keys feedback by run (`run_id`), Loupe
 * by trace and span: the run becomes the span, and its trace comes from the feedback's
 * own `trace_id`, or from the runs Loupe has accepted (langsmith_runs), or, when the run
 * has not arrived yet, the feedback waits in langsmith_pending until it does.
 */
import { FeedbackIn } from '../../../schema/wire/feedback.ts';
import type { FeedbackInput } from '../../store/feedback.ts';
import { RunError, runId } from './runs.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LangSmith's `feedback_source.type` -> Loupe's feedback source. */
const SOURCES: Record<string, FeedbackInput['source']> = { api: 'sdk', model: 'evaluator', app: 'user' };

/** A translated feedback: the row to store, minus the trace id when only the run is known. */
export interface LangsmithFeedback {
  runId: string;
  traceId: string | null;
  /** `trace_id` is a placeholder until resolved. */
  feedback: FeedbackInput;
}

/**
 * Translates a LangSmith FeedbackCreate. Reads both `feedback_config` (the API's name) and
 * `feedbackConfig` (what the JS SDK's createFeedback sends), and keeps it in metadata.
 */
export function translateFeedback(body: unknown, path = 'feedback'): LangsmithFeedback {
  if (!isObj(body)) throw new RunError(path, 'feedback must be a JSON object');
  if (body.run_id === undefined || body.run_id === null) {
    throw new RunError(`${path}.run_id`, 'run_id is required: Loupe keeps feedback on a trace or one of its runs, not on a whole project');
  }
  const run = runId(body.run_id, path, 'run_id');
  const trace = body.trace_id !== undefined && body.trace_id !== null ? runId(body.trace_id, path, 'trace_id') : null;
  const id = body.id !== undefined && body.id !== null ? runId(body.id, path, 'id') : undefined;
  const source = isObj(body.feedback_source) ? body.feedback_source : undefined;
  const metadata: Obj = {};
  const config = body.feedback_config ?? body.feedbackConfig;
  if (config !== undefined && config !== null) metadata.feedback_config = config;
  if (source) metadata.feedback_source = source;
  for (const k of ['source_info', 'comparative_experiment_id', 'session_id', 'feedback_group_id', 'source_run_id']) {
    if (body[k] !== undefined && body[k] !== null) metadata[k] = body[k];
  }
  const candidate = {
    ...(id ? { id } : {}),
    trace_id: trace ?? run,
    span_id: run,
    key: body.key,
    ...(body.score !== undefined && body.score !== null ? { score: body.score } : {}),
    ...(body.value !== undefined && body.value !== null ? { value: body.value } : {}),
    ...(typeof body.comment === 'string' ? { comment: body.comment } : {}),
    ...(body.correction !== undefined && body.correction !== null ? { correction: body.correction } : {}),
    source: SOURCES[typeof source?.type === 'string' ? source.type : 'api'] ?? 'sdk',
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
  const parsed = FeedbackIn.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || 'score';
    throw new RunError(`${path}.${field}`, `${field}: ${issue.message}`);
  }
  return { runId: run, traceId: trace, feedback: parsed.data };
}

/** The answer LangSmith's POST /feedback gives: the feedback in its own shape. */
export function feedbackAnswer(f: LangsmithFeedback, id: string, traceId: string | null, now: number) {
  const at = new Date(now).toISOString();
  return {
    id,
    run_id: f.runId,
    trace_id: traceId,
    key: f.feedback.key,
    score: typeof f.feedback.score === 'boolean' ? Number(f.feedback.score) : (f.feedback.score ?? null),
    value: f.feedback.value ?? null,
    comment: f.feedback.comment ?? null,
    correction: f.feedback.correction ?? null,
    feedback_source: (f.feedback.metadata?.feedback_source as unknown) ?? { type: 'api' },
    created_at: at,
    modified_at: at,
  };
}
