/**
 * Patterns in an agent's tool-call trajectory: which tools it called and which failed,
 * the 2- and 3-step sequences it went through, calls it repeated (loops), and steps it
 * skipped. A skipped step is principled rather than enumerated: "B without C before it"
 * is only a candidate when, in the sample, C usually precedes B (in at least half of the
 * traces that call B), so the pattern means "the usual preparation for B was missing"
 * ("book_reservation without get_user_details before it").
 */
import type { ToolCallSummary } from './summary.ts';
import { featureKey } from './feature-key.ts';

/** A "usual step skipped" candidate: `tool` called (after `after`, when set) with no `missing` call before it. */
export interface SkipRule {
  tool: string;
  missing: string;
  after?: string;
}

/** Share of B's traces in which C must precede B for "B without C" to be a candidate. */
export const SKIP_PRECURSOR_RATE = 0.5;

/** Tool names with immediate repeats collapsed: search, search, book -> search, book (loops are their own feature). */
export function collapsed(tools: ToolCallSummary[]): string[] {
  const out: string[] = [];
  for (const t of tools) if (out[out.length - 1] !== t.name) out.push(t.name);
  return out;
}

/** Feature keys of one trajectory (features.ts says how each reads and filters). */
export function trajectoryFeatures(tools: ToolCallSummary[], rules: SkipRule[]): string[] {
  const out = new Set<string>();
  if (!tools.length) out.add(featureKey('no_tools'));
  for (const t of tools) {
    out.add(featureKey('tool', t.name));
    if (t.error) out.add(featureKey('tool_error', t.name));
  }
  const seq = collapsed(tools);
  for (let i = 0; i + 1 < seq.length; i++) {
    out.add(featureKey('seq', seq[i], seq[i + 1]));
    if (i + 2 < seq.length) out.add(featureKey('seq', seq[i], seq[i + 1], seq[i + 2]));
  }
  for (const name of loopedTools(tools)) out.add(featureKey('loop', name));
  if (loopedTools(tools).length) out.add(featureKey('any_loop'));
  for (const r of rules) if (skips(seq, r)) out.add(skipFeature(r));
  return [...out];
}

/** Tools called at least twice with the same arguments. */
export function loopedTools(tools: ToolCallSummary[]): string[] {
  const calls = new Map<string, number>();
  const out: string[] = [];
  for (const t of tools) {
    const key = `${t.name}\u0000${t.args}`;
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    if (n === 2 && !out.includes(t.name)) out.push(t.name);
  }
  return out;
}

/** The feature key of a skip rule. */
export function skipFeature(r: SkipRule): string {
  return r.after ? featureKey('skip', r.tool, r.missing, r.after) : featureKey('skip', r.tool, r.missing);
}

/** Does the (collapsed) sequence call `r.tool` (right after `r.after`) with no `r.missing` before that call? */
function skips(seq: string[], r: SkipRule): boolean {
  for (let i = 0; i < seq.length; i++) {
    if (seq[i] !== r.tool || (r.after && (i === 0 || seq[i - 1] !== r.after))) continue;
    // The first such call decides: later ones come after more steps.
    return !seq.slice(0, i).includes(r.missing);
  }
  return false;
}

/**
 * The skip rules worth testing, from a sample of trajectories: for each tool B (and each
 * pair A then B) called in at least `minSupport` traces, every C that precedes it in at
 * least SKIP_PRECURSOR_RATE of them, while at least `minSupport` traces lack it (else the
 * pattern could never reach the support to be tested).
 */
export function mineSkipRules(trajectories: ToolCallSummary[][], minSupport: number, maxRules = 200): SkipRule[] {
  // key: "B" or "A>B" -> traces with it, and per C: traces where C precedes it.
  const anchors = new Map<string, { traces: number; before: Map<string, number> }>();
  for (const tools of trajectories) {
    const seq = collapsed(tools);
    const seen = new Set<string>();
    for (let i = 0; i < seq.length; i++) {
      const keys = [JSON.stringify([seq[i]]), ...(i > 0 ? [JSON.stringify([seq[i], seq[i - 1]])] : [])];
      for (const key of keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        const a = anchors.get(key) ?? { traces: 0, before: new Map<string, number>() };
        anchors.set(key, a);
        a.traces++;
        for (const c of new Set(seq.slice(0, i))) a.before.set(c, (a.before.get(c) ?? 0) + 1);
      }
    }
  }
  const rules: { rule: SkipRule; missingCount: number }[] = [];
  for (const [key, a] of anchors) {
    if (a.traces < minSupport) continue;
    const [tool, after] = JSON.parse(key) as [string, string | undefined];
    for (const [c, n] of a.before) {
      if (c === tool || c === after) continue;
      const missingCount = a.traces - n;
      if (n / a.traces >= SKIP_PRECURSOR_RATE && missingCount >= minSupport) rules.push({ rule: after ? { tool, missing: c, after } : { tool, missing: c }, missingCount });
    }
  }
  rules.sort((x, y) => y.missingCount - x.missingCount || skipFeature(x.rule).localeCompare(skipFeature(y.rule)));
  return rules.slice(0, maxRules).map((r) => r.rule);
}

/**
 * Tokens of a trajectory for clustering failing traces by what they did, written to read
 * well as cluster names: each tool called, "X failed", "X → Y" steps, "X repeated", how it
 * ended.
 */
export function trajectoryTokens(tools: ToolCallSummary[], ending: string): string[] {
  const out: string[] = [];
  for (const t of tools) {
    out.push(t.name);
    if (t.error) out.push(`${t.name} failed`);
  }
  const seq = collapsed(tools);
  for (let i = 0; i + 1 < seq.length; i++) out.push(`${seq[i]} → ${seq[i + 1]}`);
  for (const name of loopedTools(tools)) out.push(`${name} repeated`);
  if (!tools.length) out.push('no tool calls');
  out.push(`ends ${ending === 'reply' ? 'with a reply' : ending.replace(':', ' ')}`);
  return out;
}
