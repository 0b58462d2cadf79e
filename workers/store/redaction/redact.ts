/**
 * Applies a project's redaction policy to normalized spans, before the batch is encoded
 * for R2 (so neither the raw log, the D1 index nor full-text search ever sees the value).
 * Walks name, error, input, output, tags and metadata values (metadata keys are kept: they
 * are field names, not data; ids, model, environment, release, session and user ids are kept:
 * they are what traces are found and deleted by). Each span gets `metadata["loupe.redacted"] = { detector: count }`.
 */
import type { NormalizedSpan } from '../../../schema/wire/span.ts';
import { findMatches, type CustomRule } from './detectors.ts';

export interface RedactionPolicy {
  mode: 'mask' | 'hash';
  detectors: ReadonlySet<string>;
  custom: readonly CustomRule[];
  /** HMAC-SHA-256 key for hash mode, unique per project (hashes do not correlate across projects). */
  hmacKey?: CryptoKey;
}

export const REDACTED_KEY = 'loupe.redacted';

type Walk = (s: string) => string;

function walk(value: unknown, f: Walk, depth = 0): unknown {
  if (typeof value === 'string') return f(value);
  // Depth is already bounded by validation (MAX_JSON_DEPTH); this is a guard only.
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => walk(v, f, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = walk(v, f, depth + 1);
  return out;
}

function fields(span: NormalizedSpan, f: Walk): NormalizedSpan {
  const out: NormalizedSpan = { ...span };
  if (span.name !== undefined) out.name = f(span.name);
  if (typeof span.error === 'string') out.error = f(span.error);
  if (span.input !== undefined) out.input = walk(span.input, f);
  if (span.output !== undefined) out.output = walk(span.output, f);
  if (span.tags !== undefined) out.tags = span.tags.map(f);
  if (span.metadata !== undefined) out.metadata = walk(span.metadata, f) as Record<string, unknown>;
  return out;
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Redacts a batch. Two passes in hash mode: collect the distinct matched values, HMAC them
 * all at once (WebCrypto is async; one await per batch instead of one per value), then
 * replace. Mask mode is one synchronous pass.
 */
export async function redactSpans(spans: readonly NormalizedSpan[], policy: RedactionPolicy): Promise<NormalizedSpan[]> {
  const hashes = new Map<string, string>();
  if (policy.mode === 'hash') {
    if (!policy.hmacKey) throw new Error('hash mode needs a key');
    const values = new Set<string>();
    const collect: Walk = (s) => {
      for (const m of findMatches(s, policy.detectors, policy.custom)) values.add(s.slice(m.start, m.end));
      return s;
    };
    for (const span of spans) fields(span, collect);
    const key = policy.hmacKey;
    const enc = new TextEncoder();
    await Promise.all([...values].map(async (v) => hashes.set(v, hex(await crypto.subtle.sign('HMAC', key, enc.encode(v))).slice(0, 16))));
  }
  return spans.map((span) => {
    const counts: Record<string, number> = {};
    const replace: Walk = (s) => {
      const ms = findMatches(s, policy.detectors, policy.custom);
      if (!ms.length) return s;
      let out = '';
      let at = 0;
      for (const m of ms) {
        counts[m.detector] = (counts[m.detector] ?? 0) + 1;
        const label = m.detector.toUpperCase();
        const value = s.slice(m.start, m.end);
        out += s.slice(at, m.start) + (policy.mode === 'hash' ? `[${label}:${hashes.get(value)}]` : `[${label}]`);
        at = m.end;
      }
      return out + s.slice(at);
    };
    const red = fields(span, replace);
    if (Object.keys(counts).length) red.metadata = { ...red.metadata, [REDACTED_KEY]: counts };
    return red;
  });
}

/** Why a custom pattern is refused, or null when it is safe to run on every ingested string. */
export function unsafePattern(pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'g');
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  if (re.test('')) return 'matches the empty string';
  // Backreferences and a quantified group that itself contains a quantifier ((a+)+, (\w*)*,
  // (a|a?)+ ...) are what make a backtracking engine exponential; workerd's V8 has no
  // linear-time mode and a Worker cannot interrupt a running regex, so refuse them at save.
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  if (/\((?:[^()\\]|\\.)*(?:[+*?]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(pattern)) return 'nested quantifiers (like (a+)+) can take exponential time';
  if (/\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(pattern)) return 'a repeated alternation (like (a|ab)*) can take exponential time';
  // Last line of defence: run it against adversarial inputs with a time bound.
  const probes = ['a', '0', ' ', 'a1', '@.', 'aa!', '-'].map((u) => u.repeat(2000) + '!');
  const t0 = Date.now();
  for (const p of probes) {
    re.lastIndex = 0;
    for (const _ of p.matchAll(re)) {
      if (Date.now() - t0 > 50) break;
    }
    if (Date.now() - t0 > 50) return 'too slow on a long repetitive string (over 50 ms for 14 KB)';
  }
  return null;
}
