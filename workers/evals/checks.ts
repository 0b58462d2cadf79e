/**
 * Code checks: deterministic, free evaluators that run in the Worker. Each returns a
 * score of 1 (pass) or 0 (fail) with a comment saying why; a check that cannot run
 * (say, the trace has no reference to compare with) throws an EvalError instead, because
 * an error is never a score. Pure functions over a loaded trace.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import type { CodeCheck } from '../../schema/wire/evaluators.ts';
import { asText, missingSource, parseJsonText, readSource, subtree, type TraceSubject } from '../../schema/values/read.ts';
import { expectedCall, findLoops, jsonEqual, matchSequence, toolCallsOf, callMatches } from './trajectory.ts';
import { EvalError } from './errors.ts';

/** What an evaluator produced. */
export interface Verdict {
  score: number | null;
  value?: unknown;
  comment: string | null;
}

const pass = (ok: boolean, comment: string): Verdict => ({ score: ok ? 1 : 0, comment });

/** Runs one code check on the subject (a trace, or one of its spans). */
export function runCodeCheck(check: CodeCheck, subject: TraceSubject): Verdict {
  switch (check.check) {
    case 'exact_match': {
      const expected = reference(check, subject);
      const norm = (v: unknown) => {
        let t = asText(v);
        if (check.trim) t = t.trim();
        return check.case_sensitive ? t : t.toLowerCase();
      };
      const actual = readSource(subject, check.value);
      const ok = norm(actual) === norm(expected);
      return pass(ok, ok ? 'matches the reference exactly' : `differs from the reference: expected ${quote(asText(expected))}, got ${quote(asText(actual))}`);
    }
    case 'json_equal': {
      const expected = asJson(reference(check, subject));
      const actual = asJson(readSource(subject, check.value));
      const ok = jsonEqual(expected, actual);
      return pass(ok, ok ? 'equal JSON' : `JSON differs: expected ${quote(JSON.stringify(expected))}, got ${quote(JSON.stringify(actual) ?? 'nothing')}`);
    }
    case 'json_valid': {
      const v = readSource(subject, check.value);
      if (v === undefined || v === null) return pass(false, 'no value');
      if (typeof v !== 'string') return pass(true, 'structured JSON value');
      try {
        JSON.parse(v);
        return pass(true, 'valid JSON text');
      } catch (err) {
        return pass(false, `not JSON: ${(err as Error).message}`);
      }
    }
    case 'json_schema': {
      const v = asJson(readSource(subject, check.value));
      const result = schemaValidator(check.schema).validate(v);
      if (result.valid) return pass(true, 'valid against the schema');
      const first = result.errors.filter((e) => e.keyword !== 'properties' && e.keyword !== 'items').slice(0, 3);
      return pass(false, `invalid: ${(first.length ? first : result.errors.slice(0, 3)).map((e) => `${e.instanceLocation} ${e.error}`).join('; ')}`);
    }
    case 'regex': {
      const text = asText(readSource(subject, check.value));
      const ok = new RegExp(check.pattern, check.flags).test(text);
      return pass(ok, ok ? `matches /${check.pattern}/${check.flags}` : `does not match /${check.pattern}/${check.flags}`);
    }
    case 'contains':
    case 'not_contains': {
      const fold = (t: string) => (check.case_sensitive ? t : t.toLowerCase());
      const text = fold(asText(readSource(subject, check.value)));
      const needles = Array.isArray(check.text) ? check.text : [check.text];
      const found = needles.filter((n) => text.includes(fold(n)));
      if (check.check === 'not_contains') return pass(!found.length, found.length ? `contains ${found.map(quote).join(', ')}` : 'contains none of the texts');
      const ok = check.mode === 'all' ? found.length === needles.length : found.length > 0;
      const missing = needles.filter((n) => !found.includes(n));
      return pass(ok, ok ? `contains ${found.map(quote).join(', ')}` : `missing ${missing.map(quote).join(', ')}`);
    }
    case 'length': {
      const n = asText(readSource(subject, check.value)).length;
      const ok = (check.min == null || n >= check.min) && (check.max == null || n <= check.max);
      return { score: ok ? 1 : 0, value: n, comment: `${n} characters${ok ? '' : ` (allowed ${check.min ?? 0}..${check.max ?? '∞'})`}` };
    }
    case 'latency': {
      const ms = subject.span ? subject.span.latency_ms : subject.tree.trace.latency_ms;
      if (ms == null) throw new EvalError('missing_reference', 'the trace has no latency yet (no end time)');
      return { score: ms <= check.max_ms ? 1 : 0, value: ms, comment: `latency ${ms} ms (limit ${check.max_ms} ms)` };
    }
    case 'tokens': {
      const n = subject.span ? subject.span.usage.total_tokens : subject.tree.trace.usage.total_tokens;
      if (n == null) throw new EvalError('missing_reference', 'the trace reports no token usage');
      return { score: n <= check.max ? 1 : 0, value: n, comment: `${n} tokens (limit ${check.max})` };
    }
    case 'cost': {
      const usd = subject.span ? subject.span.usage.cost_usd : subject.tree.trace.usage.cost_usd;
      if (usd == null) throw new EvalError('missing_reference', 'the trace reports no cost');
      return { score: usd <= check.max_usd ? 1 : 0, value: usd, comment: `$${usd} (limit $${check.max_usd})` };
    }
    case 'error_free': {
      const failed = subtree(subject.tree, subject.span).filter((s) => s.status === 'error');
      return pass(!failed.length, failed.length ? `${failed.length} failed span(s): ${failed.slice(0, 3).map((s) => `${s.name ?? s.id}${s.error ? ` (${s.error.slice(0, 120)})` : ''}`).join('; ')}` : 'no span failed');
    }
    case 'tool_called':
    case 'tool_not_called': {
      const calls = toolCallsOf(subtree(subject.tree, subject.span));
      const want = { name: check.tool, args: check.args };
      const hits = calls.filter((c) => callMatches(want, c, check.args === undefined ? 'ignore' : check.args_match)).length;
      const what = check.args === undefined ? check.tool : `${check.tool} with ${check.args_match} arguments ${JSON.stringify(check.args)}`;
      if (check.check === 'tool_not_called') return { score: hits ? 0 : 1, value: hits, comment: hits ? `${what} was called ${hits} time(s)` : `${what} was not called` };
      const ok = hits >= check.min_times;
      return { score: ok ? 1 : 0, value: hits, comment: `${what} was called ${hits} time(s)${ok ? '' : ` (at least ${check.min_times} expected)`}` };
    }
    case 'tool_sequence': {
      let raw: unknown = check.expected;
      if (raw === undefined) {
        raw = readSource(subject, check.expected_from!);
        if (raw === undefined) throw new EvalError('missing_reference', `${missingSource(subject, check.expected_from!)} (the expected tool calls)`);
        if (typeof raw === 'string') raw = parseJsonText(raw);
        if (!Array.isArray(raw)) throw new EvalError('missing_reference', `${check.expected_from} is not a list of tool calls`);
      }
      let expected: { name: string; args?: unknown }[];
      try {
        expected = (raw as unknown[]).map(expectedCall);
      } catch (err) {
        throw new EvalError('missing_reference', `${check.expected_from ?? 'expected'}: ${(err as Error).message}`);
      }
      const actual = toolCallsOf(subtree(subject.tree, subject.span));
      const v = matchSequence(expected, actual, check.mode, check.args_match);
      return pass(v.pass, `${check.mode}: ${v.comment}`);
    }
    case 'step_limit': {
      const spans = subtree(subject.tree, subject.span);
      const tools = toolCallsOf(spans).length;
      const llms = spans.filter((s) => s.kind === 'llm').length;
      const over: string[] = [];
      if (check.max_tool_calls != null && tools > check.max_tool_calls) over.push(`${tools} tool calls > ${check.max_tool_calls}`);
      if (check.max_llm_calls != null && llms > check.max_llm_calls) over.push(`${llms} LLM calls > ${check.max_llm_calls}`);
      if (check.max_spans != null && spans.length > check.max_spans) over.push(`${spans.length} spans > ${check.max_spans}`);
      return { score: over.length ? 0 : 1, value: { tool_calls: tools, llm_calls: llms, spans: spans.length }, comment: over.length ? over.join('; ') : `${tools} tool calls, ${llms} LLM calls, ${spans.length} spans: within limits` };
    }
    case 'no_loops': {
      const v = findLoops(toolCallsOf(subtree(subject.tree, subject.span)), check.max_identical_calls, check.consecutive_only);
      return pass(v.pass, v.comment);
    }
  }
}

/** The reference of exact_match / json_equal: literal, or read from the trace (missing: an error). */
function reference(check: { expected?: unknown; expected_from?: string }, subject: TraceSubject): unknown {
  if (check.expected !== undefined) return check.expected;
  const v = readSource(subject, check.expected_from!);
  if (v === undefined) throw new EvalError('missing_reference', `${missingSource(subject, check.expected_from!)} to compare with`);
  return v;
}

/** JSON text becomes its value; anything else stays as it is. */
function asJson(v: unknown): unknown {
  return typeof v === 'string' ? parseJsonText(v) : v;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

// Validators compile the schema once; a consumer batch reuses them across traces.
const validators = new Map<string, Validator>();

/** A validator for `schema` (draft from its $schema, else 2020-12), cached by its text. */
export function schemaValidator(schema: Record<string, unknown>): Validator {
  const text = JSON.stringify(schema);
  let v = validators.get(text);
  if (!v) {
    const draft = String(schema.$schema ?? '').includes('draft-07') ? '7' : String(schema.$schema ?? '').includes('draft-04') ? '4' : String(schema.$schema ?? '').includes('2019-09') ? '2019-09' : '2020-12';
    v = new Validator(schema as Schema, draft, false);
    if (validators.size > 200) validators.clear();
    validators.set(text, v);
  }
  return v;
}
