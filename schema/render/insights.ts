/**
 * Insights reports as compact markdown, for people and coding agents: the CLI's default
 * output and the MCP tools' text. Pure (no I/O), shared by cli/ and workers/insights.
 */
import type { ClusterOut, PatternOut, ReportOut, ReportRow, TrackedOut } from '../wire/insights.ts';

const pct = (x: number | null | undefined) => (x == null ? '–' : `${(x * 100).toFixed(0)}%`);
const num = (x: number, d = 2) => (Number.isInteger(x) ? String(x) : x.toFixed(d));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function progress(r: ReportRow): string {
  if (r.status === 'done') return 'done';
  if (r.status === 'failed') return `failed: ${r.error ?? 'unknown error'}`;
  return r.progress.total ? `${r.status}: ${r.progress.step} ${r.progress.done}/${r.progress.total}` : `${r.status}: ${r.progress.step}`;
}

/** The reports list. */
export function reportsTable(rows: ReportRow[]): string {
  if (!rows.length) return 'No Insights reports yet: run one with `loupe insights run`.\n';
  const lines = ['| report | status | filter | failure | traces | failing | method | created |', '|---|---|---|---|---:|---:|---|---|'];
  for (const r of rows) {
    lines.push(`| \`${r.id}\` | ${cell(progress(r))} | ${cell(r.filter || '(all)')} | ${cell(r.failure_filter ?? '(default)')} | ${r.traces ?? '–'} | ${r.failures ?? '–'} | ${r.method ?? '–'} | ${new Date(r.created_at).toISOString().slice(0, 16).replace('T', ' ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Patterns ranked by lift. */
export function patternsTable(reportId: string, patterns: PatternOut[], baseRate: number | null): string {
  if (!patterns.length) return `No failure patterns in report \`${reportId}\`.\n`;
  const lines = [
    `Failure patterns of \`${reportId}\` (base failure rate ${pct(baseRate)}; ranked by the lower bound of the lift interval; q = Benjamini-Hochberg):`,
    '',
    '| # | pattern | traces | failed | rate | lift (95% CI) | q | open with |',
    '|---|---|---:|---:|---:|---|---:|---|',
  ];
  for (const p of patterns) {
    const ci = p.interval ? ` (${num(p.interval.low)}–${num(p.interval.high)})` : '';
    const sig = p.significant ? ' **significant**' : '';
    lines.push(`| ${p.id} | ${cell(p.label)}${sig} | ${p.support} | ${p.failures} | ${pct(p.rate)} | ${num(p.lift)}${ci} | ${p.q.toPrecision(2)} | \`${cell(p.filter ?? p.membership_filter)}\` |`);
  }
  return `${lines.join('\n')}\n`;
}

function clusterLines(c: ClusterOut, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const out = [`${indent}- **${c.name}** \`${c.id}\`: ${c.size} traces (${pct(c.share)}), failing ${pct(c.failureRate)}${c.errorRate ? `, errors ${pct(c.errorRate)}` : ''} · \`${c.membership_filter}\``];
  for (const k of c.children ?? []) out.push(...clusterLines(k, depth + 1));
  return out;
}

/** A whole report: summary, notes, intents, failure clusters, top patterns. */
export function reportMarkdown(r: ReportOut, topPatterns = 10): string {
  const lines = [`# Insights report \`${r.id}\`: ${progress(r)}`, '', `Filter: \`${r.filter || '(all traces)'}\` · failure: \`${r.failure_filter ?? 'default (a score below 0.5 or an error)'}\``];
  const rep = r.report;
  if (!rep) return `${lines.join('\n')}\n`;
  lines.push(`Traces: ${rep.traces} (failing ${rep.failures}, base rate ${pct(rep.baseRate)})${rep.sample.sampled ? ` · clusters fitted on ${rep.sample.traces}` : ''} · method: ${rep.method.path ?? 'offline'} (${rep.method.naming} names)`);
  if (rep.notes.length) lines.push('', ...rep.notes.map((n) => `> ${n}`));
  lines.push('', '## Intents', '', ...rep.intents.flatMap((c) => clusterLines(c, 0)));
  if (rep.failureClusters.byTrajectory.length) lines.push('', '## Failing traces by trajectory', '', ...rep.failureClusters.byTrajectory.flatMap((c) => clusterLines(c, 0)));
  if (rep.failureClusters.byReview.length) lines.push('', '## Failing traces by what reviewers wrote', '', ...rep.failureClusters.byReview.flatMap((c) => clusterLines(c, 0)));
  lines.push('', '## Failure patterns', '', patternsTable(r.id, rep.patterns.slice(0, topPatterns), rep.baseRate).trimEnd());
  if (rep.patterns.length > topPatterns) lines.push('', `${rep.patterns.length - topPatterns} more: \`loupe insights patterns ${r.id}\``);
  return `${lines.join('\n')}\n`;
}

/**
 * Tracked patterns: status, threshold and the rate series that decides it (later reports,
 * or per release when fewer than two reports ranked it), oldest first.
 */
export function trackedTable(rows: TrackedOut[]): string {
  if (!rows.length) return 'No tracked patterns: track one with `loupe insights track <report> <pattern>`.\n';
  const lines = ['| tracked | pattern | status | threshold | rate by report | rate by release |', '|---|---|---|---:|---|---|'];
  for (const t of rows) {
    const byReport = t.reports.map((r) => `${pct(r.rate)} (${r.support})`).join(' → ') || '–';
    const byRelease = t.releases.map((r) => `${cell(r.release ?? '(none)')}: ${pct(r.rate)}`).join(', ') || '–';
    lines.push(`| \`${t.id}\` | ${cell(t.label)} | ${t.status === 'fixed' ? '**fixed**' : 'open'} | ${pct(t.threshold)} | ${byReport} | ${byRelease} |`);
  }
  return `${lines.join('\n')}\n`;
}
