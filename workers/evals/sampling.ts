/**
 * Sampling decided per trace: SHA-256 of (rule id, trace id) mapped to [0, 1) and compared
 * with the rate. The same trace always gets the same answer for the same rule (reruns and
 * backfills agree), and different rules sample independently.
 */

/** A deterministic number in [0, 1) for (rule, trace). */
export async function sampleFraction(ruleId: string, traceId: string): Promise<number> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${ruleId}\u0000${traceId}`)));
  // 48 bits are plenty of resolution for a rate and stay exact in a double.
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + digest[i];
  return n / 2 ** 48;
}

/** True when the trace is in the rule's sample. Rate 1 takes every trace, 0 none. */
export async function isSampled(ruleId: string, traceId: string, rate: number): Promise<boolean> {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return (await sampleFraction(ruleId, traceId)) < rate;
}

/** The feedback id of an evaluator's score on a trace or span: the same job always writes the same row. */
export async function evaluatorFeedbackId(evaluatorId: string, version: number, traceId: string, spanId: string | null): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode([evaluatorId, version, traceId, spanId ?? ''].join('\u0000'))));
  return `ev_${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
