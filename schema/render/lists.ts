/**
 * Lists as compact markdown tables (traces, spans, feedback keys): what the CLI prints and
 * the MCP tools answer, so people and agents see the same thing.
 */
import type { TraceOut } from '../wire/trace.ts';
import type { SpanOut } from '../wire/span.ts';
import type { FeedbackKeyList, FeedbackOut } from '../wire/feedback.ts';

/** A markdown table; cells are kept on one line with pipes escaped. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cell = (v: string | number | null | undefined) => (v == null || v === '' ? '–' : String(v).replace(/\s+/g, ' ').replace(/\|/g, '\\|'));
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** Text cut to `n` characters with an ellipsis. */
export function clip(text: string | null | undefined, n: number): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** A duration in ms as people say it. */
export function duration(ms: number | null): string {
  if (ms == null) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A trace's feedback summary, e.g. `outcome=0 · helpfulness=0.75 (4)`. */
export function feedbackSummary(summary: TraceOut['feedback']): string {
  return Object.entries(summary)
    .map(([key, s]) => `${key}=${s.avg == null ? '…' : Number(s.avg.toFixed(3))}${s.count > 1 ? ` (${s.count})` : ''}`)
    .join(' · ');
}

/** A page of traces as a markdown table. */
export function tracesTable(traces: TraceOut[]): string {
  return table(
    ['trace', 'started', 'status', 'spans', 'latency', 'tokens', 'feedback', 'input'],
    traces.map((t) => [`\`${t.id}\``, t.start_time?.replace(/\.\d+Z$/, 'Z'), t.status, t.span_count, duration(t.latency_ms), t.usage.total_tokens, feedbackSummary(t.feedback), clip(t.input_preview, 80)]),
  );
}

/** A page of spans as a markdown table. */
export function spansTable(spans: SpanOut[]): string {
  return table(
    ['span', 'trace', 'kind', 'name', 'status', 'latency', 'started', 'input → output'],
    spans.map((s) => [
      `\`${s.id}\``,
      `\`${s.trace_id}\``,
      s.kind,
      s.name,
      s.status === 'error' ? `error: ${clip(s.error, 60)}` : s.status,
      duration(s.latency_ms),
      s.start_time?.replace(/\.\d+Z$/, 'Z'),
      `${clip(s.input_preview, 60)} → ${clip(s.output_preview, 60)}`,
    ]),
  );
}

/** One stored feedback row in a sentence. */
export function feedbackSentence(f: FeedbackOut): string {
  const what = f.score != null ? `${f.key} = ${f.score}` : `${f.key} = ${JSON.stringify(f.value)}`;
  const on = f.span_id ? `span ${f.span_id} of trace ${f.trace_id}` : `trace ${f.trace_id}`;
  return `Stored feedback \`${f.id}\` on ${on}: ${what}${f.comment ? ` "${clip(f.comment, 200)}"` : ''}${f.correction != null ? ` (with a correction)` : ''}`;
}

/** The project's feedback keys as a table. */
export function feedbackKeysTable(list: FeedbackKeyList): string {
  if (!list.keys.length) return 'No feedback yet.';
  return table(['key', 'count', 'avg score', 'sources', 'filter'], list.keys.map((k) => [k.key, k.count, k.avg == null ? null : Number(k.avg.toFixed(3)), k.sources.join(', '), `\`feedback.${k.key}\``]));
}
