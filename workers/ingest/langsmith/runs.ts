/**
 * LangSmith runs -> native spans. A run create ("post") and a run update ("patch") each
 * become a SpanIn with the run's id, so they merge in the indexer in whichever order they
 * arrive: run id -> span id, trace_id -> trace id, parent_run_id -> parent id, run_type ->
 * kind, inputs/outputs -> input/output, error -> status error, extra.metadata -> metadata,
 * tags, events, session_name -> metadata `ls_project`, token usage from `usage_metadata` or
 * the OpenAI shapes. Plain functions, no hono types.
 */
import type { SpanIn, SpanKind, Usage } from '../../../schema/wire/span.ts';

/** A run as the LangSmith SDKs send it (the fields Loupe reads; others are kept in metadata). */
export type Run = Record<string, unknown>;

/** Where a run came from in a request, for error paths (`post.<id>`, `post[3]`, ...). */
export interface RunOp {
  op: 'post' | 'patch';
  run: Run;
  path: string;
  /** Its place in the request (the multipart part, or the run among posts then patches), for per-item answers. */
  index?: number;
}

/** A run problem the client can fix: 400 naming the field. */
export class RunError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** LangSmith run ids are UUIDs; Loupe stores them lowercase so every spelling matches. */
export function runId(value: unknown, path: string, field = 'id'): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw new RunError(`${path}.${field}`, `${field} must be a UUID (e.g. 0190d5a8-3c3e-7f2a-9f1e-4f0c2d6b8a11), got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  return value.toLowerCase();
}

/**
 * `dotted_order` is `<time>Z<run id>` segments joined by dots, root first: its first
 * segment names the trace's root run (the trace id), the one before last the parent, and
 * the last the run itself.
 */
export function parseDottedOrder(value: unknown, path: string): { traceId: string; parentId: string | null; runId: string } | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RunError(`${path}.dotted_order`, 'dotted_order must be a string');
  const ids = value.split('.').map((seg) => seg.slice(-36));
  if (!ids.length || !ids.every((id) => UUID.test(id))) {
    throw new RunError(`${path}.dotted_order`, 'dotted_order must be segments like 20260101T120000000000Z<run uuid> joined by dots');
  }
  return { traceId: ids[0].toLowerCase(), parentId: ids.length > 1 ? ids[ids.length - 2].toLowerCase() : null, runId: ids[ids.length - 1].toLowerCase() };
}

/** LangSmith run types -> Loupe kinds (prompt formatting and output parsing are chain steps). */
const RUN_KINDS: Record<string, SpanKind> = {
  llm: 'llm',
  chain: 'chain',
  tool: 'tool',
  retriever: 'retriever',
  embedding: 'embedding',
  prompt: 'chain',
  parser: 'chain',
};

/** LangSmith times: ISO strings (the Python SDK omits the zone, meaning UTC) or epoch ms. */
function time(value: unknown): string | number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  return value as string | number;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** Token usage in the shapes LangChain, LangSmith and OpenAI write it. */
export function usageOf(outputs: unknown, metadata: Obj | undefined): Usage | undefined {
  const o = isObj(outputs) ? outputs : {};
  const gen = Array.isArray(o.generations) && Array.isArray(o.generations[0]) ? o.generations[0][0] : Array.isArray(o.generations) ? o.generations[0] : undefined;
  const genMessage = isObj(gen) && isObj(gen.message) ? (isObj(gen.message.kwargs) ? gen.message.kwargs : gen.message) : undefined;
  const candidates: unknown[] = [
    o.usage_metadata,
    metadata?.usage_metadata,
    isObj(o.llm_output) ? o.llm_output.token_usage ?? o.llm_output.usage : undefined,
    o.usage,
    genMessage?.usage_metadata,
    isObj(o.response_metadata) ? o.response_metadata.token_usage ?? o.response_metadata.usage : undefined,
  ];
  for (const c of candidates) {
    if (!isObj(c)) continue;
    const usage: Usage = {};
    const input = count(c.input_tokens) ?? count(c.prompt_tokens);
    const output = count(c.output_tokens) ?? count(c.completion_tokens);
    const total = count(c.total_tokens);
    const cost = typeof c.total_cost === 'number' && c.total_cost >= 0 ? c.total_cost : undefined;
    if (input !== undefined) usage.input_tokens = input;
    if (output !== undefined) usage.output_tokens = output;
    if (total !== undefined) usage.total_tokens = total;
    if (cost !== undefined) usage.cost_usd = cost;
    if (Object.keys(usage).length) return usage;
  }
  return undefined;
}

/** The model of an LLM run: LangChain's `ls_model_name`, then the invocation parameters. */
function modelOf(metadata: Obj | undefined, extra: Obj, outputs: unknown): string | undefined {
  const params = isObj(extra.invocation_params) ? extra.invocation_params : {};
  const o = isObj(outputs) ? outputs : {};
  const candidates = [metadata?.ls_model_name, params.model, params.model_name, isObj(o.llm_output) ? o.llm_output.model_name : undefined, o.model, isObj(o.response_metadata) ? o.response_metadata.model_name : undefined];
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
}

/** Fields the translation reads; everything else on a run goes to metadata under `ls_<field>`. */
const KNOWN = new Set([
  'id', 'trace_id', 'parent_run_id', 'dotted_order', 'name', 'run_type', 'start_time', 'end_time', 'inputs', 'outputs', 'error',
  'extra', 'tags', 'events', 'session_name', 'session_id', 'attachments', 'child_runs', 'serialized', 'address',
]);

/** Ids a run op names, resolved from the run itself (trace may still be unknown: null). */
export interface RunIds {
  id: string;
  traceId: string | null;
  parentId: string | null | undefined;
}

/** Reads and checks the ids of a run; the trace comes from trace_id, dotted_order, or a root run's own id. */
export function runIds(op: RunOp): RunIds {
  const { run, path } = op;
  if (!isObj(run)) throw new RunError(path, 'a run must be a JSON object');
  const dotted = parseDottedOrder(run.dotted_order, path);
  // A run's own id is the last segment of its dotted_order, so a hand-rolled client that
  // sends a patch with only dotted_order still names its run.
  const id = run.id === undefined && dotted ? dotted.runId : runId(run.id, path);
  const traceId = run.trace_id !== undefined && run.trace_id !== null ? runId(run.trace_id, path, 'trace_id') : (dotted?.traceId ?? null);
  let parentId: string | null | undefined;
  if (run.parent_run_id !== undefined && run.parent_run_id !== null) parentId = runId(run.parent_run_id, path, 'parent_run_id');
  else if (dotted) parentId = dotted.parentId;
  else if (op.op === 'post') parentId = null;
  // A create without a trace or a parent starts its own trace.
  const resolvedTrace = traceId ?? (op.op === 'post' && parentId === null ? id : null);
  return { id, traceId: resolvedTrace, parentId };
}

/** Attachment references stored on the span (the bytes live in R2). */
export interface AttachmentRef {
  key: string;
  content_type: string;
  size: number;
}

/** Translates one run (with its trace id known) to a SpanIn. */
export function runToSpan(op: RunOp, ids: RunIds & { traceId: string }, attachments?: Record<string, AttachmentRef>): SpanIn {
  const run = op.run;
  const span: SpanIn = { id: ids.id, trace_id: ids.traceId };
  if (ids.parentId !== undefined) span.parent_id = ids.parentId;
  if (typeof run.name === 'string' && run.name) span.name = run.name.slice(0, 512);
  const extra = isObj(run.extra) ? run.extra : {};
  const userMetadata = isObj(extra.metadata) ? extra.metadata : undefined;
  const metadata: Obj = { ...userMetadata };
  if (typeof run.run_type === 'string') {
    const kind = RUN_KINDS[run.run_type];
    if (!kind) throw new RunError(`${op.path}.run_type`, `run_type must be one of ${Object.keys(RUN_KINDS).join(', ')}; got ${JSON.stringify(run.run_type)}`);
    span.kind = kind;
    if (kind === 'chain' && run.run_type !== 'chain') metadata.ls_run_type = run.run_type;
  }
  const start = time(run.start_time);
  const end = time(run.end_time);
  if (start !== undefined) span.start_time = start;
  if (end !== undefined) span.end_time = end;
  if (run.inputs !== undefined) span.input = run.inputs;
  if (run.outputs !== undefined) span.output = run.outputs;
  if (run.error !== undefined && run.error !== null) {
    span.status = 'error';
    span.error = (typeof run.error === 'string' ? run.error : JSON.stringify(run.error)).slice(0, 65_536);
  } else if (end !== undefined) span.status = 'ok';

  const usage = usageOf(run.outputs, userMetadata);
  if (usage) span.usage = usage;
  const model = modelOf(userMetadata, extra, run.outputs);
  if (model && (span.kind === 'llm' || span.kind === 'embedding' || run.run_type === undefined)) span.model = model.slice(0, 256);

  // Threads: LangSmith groups runs into a conversation by these metadata keys.
  const session = [userMetadata?.session_id, userMetadata?.thread_id, userMetadata?.conversation_id].find((v) => typeof v === 'string' && v);
  if (typeof session === 'string') span.session_id = session.slice(0, 256);
  if (typeof userMetadata?.user_id === 'string' && userMetadata.user_id) span.user_id = userMetadata.user_id.slice(0, 256);
  if (typeof userMetadata?.revision_id === 'string' && userMetadata.revision_id) span.release = userMetadata.revision_id.slice(0, 128);
  const env = userMetadata?.environment ?? userMetadata?.env;
  if (typeof env === 'string' && env) span.environment = env.slice(0, 64);

  if (Array.isArray(run.tags)) span.tags = [...new Set(run.tags.filter((t): t is string => typeof t === 'string' && t.length > 0).map((t) => t.slice(0, 256)))].slice(0, 64);
  if (typeof run.session_name === 'string' && run.session_name) metadata.ls_project = run.session_name;
  if (typeof run.session_id === 'string' && run.session_id) metadata.ls_project_id = run.session_id;
  if (Array.isArray(run.events) && run.events.length) metadata.ls_events = run.events;
  for (const [k, v] of Object.entries(extra)) if (k !== 'metadata' && v !== undefined) metadata[`ls_${k}`] = v;
  if (run.serialized !== undefined && run.serialized !== null) metadata.ls_serialized = run.serialized;
  for (const [k, v] of Object.entries(run)) if (!KNOWN.has(k) && v !== undefined && v !== null) metadata[`ls_${k}`] = v;
  if (attachments && Object.keys(attachments).length) metadata.attachments = attachments;
  if (Object.keys(metadata).length) span.metadata = metadata;
  return span;
}

/**
 * The dataset example a root run names (`reference_example_id`, as evaluate() and the
 * test runners send it), with its session: recorded so an experiment can find its runs.
 * Child runs and runs without an example name none.
 */
export function exampleOf(op: RunOp, ids: RunIds): { exampleId: string; sessionName: string | null; sessionId: string | null } | undefined {
  const run = op.run;
  if (ids.parentId || typeof run.reference_example_id !== 'string' || !run.reference_example_id) return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v.slice(0, 256) : null);
  return { exampleId: run.reference_example_id.toLowerCase().slice(0, 128), sessionName: str(run.session_name), sessionId: str(run.session_id)?.toLowerCase() ?? null };
}
