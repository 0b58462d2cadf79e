/**
 * A scriptable fake LLM provider and webhook receiver for tests and benchmarks, speaking
 * the real wire formats: OpenAI chat completions (`POST /s/<scenario>/v1/chat/completions`)
 * and Anthropic Messages (`POST /s/<scenario>/v1/messages`), with their error bodies, and a
 * webhook endpoint (`POST /s/<scenario>/hook`). Each scenario plays a script of steps
 * (status, headers, delay, verdict or malformed text) and records the requests it got.
 *
 * Control: `PUT /__scenarios/<id>` with {steps, then?}; `GET /__scenarios/<id>/requests`.
 * Runs in Node (vitest globalSetup, bench); workerd reaches it over http://127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One scripted answer. */
export interface Step {
  /** HTTP status (default 200). */
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering (a timeout test sets it above the judge's timeout). */
  delay_ms?: number;
  /** The judge's structured answer; `auto` answers true / the maximum / the first category. */
  verdict?: { reasoning: string; verdict: unknown } | 'auto';
  /** Answer this text instead of structured output (a malformed answer). */
  text?: string;
  /** Webhook answer, or a raw JSON body overriding everything else. */
  body?: unknown;
  usage?: { input: number; output: number };
}

/** A scenario: steps played in order, then `then` for every later request. */
export interface Scenario {
  steps: Step[];
  then?: Step;
  /** Answer 401 unless the request carries this key (Bearer for OpenAI, x-api-key for Anthropic). */
  expect_key?: string;
  /**
   * Answers chosen by what the request says: the first entry whose `contains` appears in
   * the raw body is played instead of the next step (so concurrent calls about different
   * traces get their own verdicts, whatever order they arrive in).
   */
  match?: { contains: string; step: Step }[];
}

/** A request the fake received. */
export interface Received {
  path: string;
  at: number;
  headers: Record<string, string>;
  body: unknown;
  raw: string;
  /** Milliseconds the fake spent answering (body read to response finished), delays included. */
  served_ms?: number;
}

interface State {
  scenario: Scenario;
  played: number;
  requests: Received[];
}

const DEFAULT: Scenario = { steps: [], then: { verdict: 'auto' } };

/** A running fake. */
export interface FakeProvider {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 (port 0 = any free port). */
export async function startFakeProvider(port = 0): Promise<FakeProvider> {
  const scenarios = new Map<string, State>();
  const state = (id: string) => {
    let s = scenarios.get(id);
    if (!s) scenarios.set(id, (s = { scenario: DEFAULT, played: 0, requests: [] }));
    return s;
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch((err) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake provider crashed: ${err?.message ?? err}` } }));
    });
  });
  // Benchmarks open many connections; keep them alive.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse, state: (id: string) => State) {
  const url = new URL(req.url ?? '/', 'http://fake');
  const raw = await readBody(req);
  const control = /^\/__scenarios\/([^/]+)(\/requests)?$/.exec(url.pathname);
  if (control) {
    const s = state(control[1]);
    if (req.method === 'PUT') {
      s.scenario = JSON.parse(raw) as Scenario;
      s.played = 0;
      s.requests = [];
      return send(res, 200, { ok: true });
    }
    return send(res, 200, { requests: s.requests });
  }
  const m = /^\/s\/([^/]+)(\/.*)$/.exec(url.pathname);
  if (!m || req.method !== 'POST') return send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
  const s = state(m[1]);
  const path = m[2];
  let body: unknown = null;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    // recorded as null; the API answers 400 below
  }
  const record: Received = { path, at: Date.now(), headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body, raw };
  s.requests.push(record);
  res.on('finish', () => (record.served_ms = Date.now() - record.at));
  const matched = s.scenario.match?.find((m) => raw.includes(m.contains))?.step;
  const step = matched ?? (s.played < s.scenario.steps.length ? s.scenario.steps[s.played] : (s.scenario.then ?? s.scenario.steps[s.scenario.steps.length - 1] ?? { verdict: 'auto' }));
  if (!matched) s.played++;
  if (step.delay_ms) await new Promise((r) => setTimeout(r, step.delay_ms));
  if (res.destroyed) return;
  if (path === '/v1/chat/completions') return openAi(req, res, s.scenario, step, body);
  if (path === '/v1/messages') return anthropic(req, res, s.scenario, step, body);
  if (path === '/hook') return send(res, step.status ?? 200, step.body ?? { score: 1, comment: 'ok' }, step.headers);
  return send(res, 404, { error: { message: `no route POST ${path}` } });
}

/** The verdict `auto` gives for a response schema: true, the top of the range, or the first category. */
function autoVerdict(schema: any): { reasoning: string; verdict: unknown } {
  const v = schema?.properties?.verdict ?? {};
  if (v.type === 'boolean') return { reasoning: 'auto: looks right', verdict: true };
  if (Array.isArray(v.enum)) return { reasoning: 'auto: first category', verdict: v.enum[0] };
  const max = /to (-?[\d.]+)/.exec(String(v.description ?? ''));
  return { reasoning: 'auto: top score', verdict: max ? Number(max[1]) : 1 };
}

function openAi(req: IncomingMessage, res: ServerResponse, scenario: Scenario, step: Step, body: any) {
  // Errors in OpenAI's own shape: {error: {message, type, param, code}}.
  const error = (status: number, message: string, type: string, headers: Record<string, string> = {}) => send(res, status, { error: { message, type, param: null, code: null } }, headers);
  if (scenario.expect_key && req.headers.authorization !== `Bearer ${scenario.expect_key}`) return error(401, 'Incorrect API key provided.', 'invalid_request_error');
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) return error(400, "'model' and 'messages' are required", 'invalid_request_error');
  const rf = body.response_format;
  if (rf?.type === 'json_schema' && (!rf.json_schema?.name || !rf.json_schema?.schema)) return error(400, "Missing required parameter: 'response_format.json_schema.name'.", 'invalid_request_error');
  if (step.body !== undefined) return send(res, step.status ?? 200, step.body, step.headers);
  if ((step.status ?? 200) >= 400) {
    const status = step.status!;
    return error(status, status === 429 ? 'Rate limit reached for requests' : 'The server had an error while processing your request.', status === 429 ? 'requests' : 'server_error', step.headers);
  }
  const verdict = step.verdict === 'auto' || (!step.verdict && step.text === undefined) ? autoVerdict(rf?.json_schema?.schema ?? { properties: { verdict: { type: 'boolean' } } }) : step.verdict;
  const content = step.text ?? JSON.stringify(verdict);
  const usage = step.usage ?? { input: 100, output: 20 };
  send(
    res,
    200,
    {
      id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    },
    step.headers,
  );
}

function anthropic(req: IncomingMessage, res: ServerResponse, scenario: Scenario, step: Step, body: any) {
  // Errors in Anthropic's shape: {type: 'error', error: {type, message}}.
  const error = (status: number, type: string, message: string, headers: Record<string, string> = {}) => send(res, status, { type: 'error', error: { type, message } }, headers);
  if (!req.headers['anthropic-version']) return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  if (scenario.expect_key && req.headers['x-api-key'] !== scenario.expect_key) return error(401, 'authentication_error', 'invalid x-api-key');
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') return error(400, 'invalid_request_error', 'model, messages and max_tokens are required');
  if (step.body !== undefined) return send(res, step.status ?? 200, step.body, step.headers);
  if ((step.status ?? 200) >= 400) {
    const status = step.status!;
    return error(status, status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error', status === 429 ? 'Number of requests has exceeded your rate limit' : 'Internal server error', step.headers);
  }
  const tool = body.tools?.[0];
  const usage = step.usage ?? { input: 100, output: 20 };
  const content =
    step.text !== undefined
      ? [{ type: 'text', text: step.text }]
      : [{ type: 'tool_use', id: `toolu_${Math.random().toString(36).slice(2)}`, name: body.tool_choice?.name ?? tool?.name ?? 'evaluation', input: step.verdict === 'auto' || !step.verdict ? autoVerdict(tool?.input_schema) : step.verdict }];
  send(
    res,
    200,
    {
      id: `msg_${Math.random().toString(36).slice(2)}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: step.text !== undefined ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    },
    step.headers,
  );
}
