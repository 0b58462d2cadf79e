/**
 * Experiments as markdown: the gate's verdict for a pull request or $GITHUB_STEP_SUMMARY
 * (metric, baseline, candidate, delta with its interval, improved, regressed; the
 * regressed examples linked to the compare page), and a comparison table. Pure: the CLI
 * and MCP tools print these.
 */
import type { ComparisonOut, ExperimentOut, GateOut } from '../wire/experiments.ts';

const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(digits));
const signed = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : ''}${num(x)}`);
const interval = (i: { low: number; high: number } | null) => (i ? ` [${num(i.low)}, ${num(i.high)}]` : '');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The UI's compare page for a baseline and its candidate(s); `example` opens one example's diff. */
export function compareLink(url: string, ids: readonly string[], example?: string): string {
  const q = new URLSearchParams({ ids: ids.join(',') });
  if (example) q.set('example', example);
  return `${url}/experiments/compare?${q}`;
}

/** The gate's verdict as markdown. */
export function gateMarkdown(g: GateOut, opts: { url: string; baselineName?: string; candidateName?: string; maxListed?: number }): string {
  const pct = Math.round(g.confidence * 100);
  const lines = [
    `### Loupe gate: ${g.pass ? 'PASS' : 'FAIL'}`,
    '',
    `Candidate **${cell(opts.candidateName ?? g.candidate)}** against baseline **${cell(opts.baselineName ?? g.baseline)}** ([compare](${compareLink(opts.url, [g.baseline, g.candidate])})).`,
    '',
    `| metric | baseline | candidate | delta (${pct}% interval) | improved | regressed | |`,
    '|---|---|---|---|---|---|---|',
    ...g.metrics.map((m) => `| ${cell(m.key)} | ${num(m.baseline)} | ${num(m.candidate)} | ${signed(m.delta)}${interval(m.interval)} | ${m.improved} | ${m.regressed} | ${m.pass ? 'ok' : 'FAIL'} |`),
  ];
  if (g.reasons.length) lines.push('', '**Why it failed**', '', ...g.reasons.map((r) => `- ${cell(r)}`));
  const max = opts.maxListed ?? 20;
  const list = (title: string, ids: string[]) => {
    if (!ids.length) return;
    lines.push('', `**${title}** (${ids.length})`, '');
    for (const id of ids.slice(0, max)) lines.push(`- [${cell(id)}](${compareLink(opts.url, [g.baseline, g.candidate], id)})${g.pinned_regressed.includes(id) ? ' (pinned)' : ''}`);
    if (ids.length > max) lines.push(`- … and ${ids.length - max} more`);
  };
  list('Regressed examples', g.regressed);
  list('Errored examples', g.errored);
  list('Missing examples', g.missing);
  return `${lines.join('\n')}\n`;
}

/** A comparison as markdown: per metric both means with intervals and the paired delta, then the examples that changed. */
export function comparisonMarkdown(c: ComparisonOut, opts: { url: string; names?: Record<string, string>; maxListed?: number }): string {
  const name = (id: string) => opts.names?.[id] ?? id;
  const lines = [
    `### ${cell(name(c.candidate))} vs ${cell(name(c.baseline))}`,
    '',
    `${c.shared} shared example(s)${c.same_version ? '' : ' (different dataset versions: compared on the examples both hold)'}. ` +
      `regressed ${c.counts.regressed}, errored ${c.counts.errored}, missing ${c.counts.missing}, improved ${c.counts.improved}, unchanged ${c.counts.unchanged}. [compare](${compareLink(opts.url, [c.baseline, c.candidate])})`,
    '',
    '| metric | baseline | candidate | delta (95% interval) | McNemar p | pass^k (candidate) |',
    '|---|---|---|---|---|---|',
    ...c.metrics.map(
      (m) =>
        `| ${cell(m.key)} | ${num(m.baseline.mean)}${interval(m.baseline.interval)} | ${num(m.candidate.mean)}${interval(m.candidate.interval)} | ${signed(m.delta.mean)}${interval(m.delta.interval)} | ${m.mcnemar ? num(m.mcnemar.p) : '–'} | ${m.candidate.passHatK ? `${num(m.candidate.passHatK.mean)} (k=${m.candidate.passHatK.k})` : '–'} |`,
    ),
  ];
  const changed = c.examples.filter((e) => e.status !== 'unchanged').slice(0, opts.maxListed ?? 20);
  if (changed.length) {
    lines.push('', '| example | status | Δ scores | Δ latency ms | Δ cost |', '|---|---|---|---|---|');
    for (const e of changed) {
      const deltas = Object.entries(e.metrics)
        .filter(([, v]) => v.delta !== null && v.delta !== 0)
        .map(([k, v]) => `${k} ${signed(v.delta)}`)
        .join(', ');
      lines.push(`| [${cell(e.exampleId)}](${compareLink(opts.url, [c.baseline, c.candidate], e.exampleId)}) | ${e.status} | ${cell(deltas) || '–'} | ${signed(e.latencyDeltaMs)} | ${signed(e.costDelta)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Experiments as a markdown table. */
export function experimentsTable(list: readonly ExperimentOut[]): string {
  if (!list.length) return 'No experiments.\n';
  const rows = list.map((e) => `| ${cell(e.name)} | ${e.id} | ${cell(e.dataset_id)}@${e.dataset_version} | ${cell(e.candidate.commit ?? e.candidate.version ?? e.candidate.name ?? '')} | ${e.status}${e.baseline ? ' (baseline)' : ''} | ${e.created_at} |`);
  return `| name | id | dataset | candidate | status | created |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}
