/** Agreement of a judge with people as compact markdown (the CLI, the MCP tool). */
import type { AgreementOut, AgreementStats, AlignOut } from '../wire/calibration.ts';

type Est = { value: number | null; n: number; interval: { low: number; high: number } | null; reason?: string } | undefined;

const num = (x: number) => (Math.round(x * 1000) / 1000).toString();
/** `0.75 [0.41, 0.93] (n=8)`, or `undefined: <reason> (n=…)`. */
function est(e: Est): string {
  if (!e) return '-';
  if (e.value === null) return `undefined: ${e.reason ?? 'no value'} (n=${e.n})`;
  return `${num(e.value)}${e.interval ? ` [${num(e.interval.low)}, ${num(e.interval.high)}]` : ''} (n=${e.n})${e.reason && e.interval === null ? `; no interval: ${e.reason}` : ''}`;
}

function statLines(type: AgreementOut['type'], s: AgreementStats): string[] {
  if (type === 'numeric') return [`- Spearman: ${est(s.spearman)}`, `- MAE: ${est(s.mae)}`, `- bias (judge - human): ${est(s.bias)}`, `- within tolerance: ${est(s.within_tolerance)}`];
  const lines = [`- accuracy: ${est(s.accuracy)}`];
  if (type === 'boolean') lines.push(`- TPR: ${est(s.tpr)}`, `- TNR: ${est(s.tnr)}`);
  lines.push(`- Cohen's kappa: ${est(s.kappa)}`);
  return lines;
}

function matrix(s: AgreementStats): string[] {
  if (!s.labels || !s.matrix || !s.n) return [];
  const labels = s.labels.map(String);
  return ['', `| human \\ judge | ${labels.join(' | ')} |`, `|---|${labels.map(() => '---:').join('|')}|`, ...s.matrix.map((row, i) => `| ${labels[i]} | ${row.join(' | ')} |`)];
}

const one = (x: unknown) => (x === null || x === undefined ? '-' : typeof x === 'string' ? x : JSON.stringify(x));
const clip = (t: string | null, n = 200) => (t === null ? '' : t.length > n ? `${t.slice(0, n)}…` : t).replace(/\s+/g, ' ');

export function agreementMarkdown(a: AgreementOut): string {
  const out = [
    `# Agreement: evaluator ${a.evaluator_id} (${a.judge_key}) vs human ${a.human_key}`,
    '',
    `${a.type}${a.threshold !== null ? `, threshold ${a.threshold}` : ''}${a.type === 'numeric' ? `, tolerance ${a.tolerance}` : ''}; ${a.overall.n} pairs, ${a.unpaired.judge} scores without a human label, ${a.unpaired.human} human labels without a score. Intervals 95%.`,
    '',
    '## Overall',
    ...statLines(a.type, a.overall),
    ...matrix(a.overall),
  ];
  if (a.versions.length > 1) {
    out.push('', '## By version');
    for (const v of a.versions) out.push(`### v${v.version} (${v.stats.n} pairs)`, ...statLines(a.type, v.stats));
  }
  if (a.over_time.length > 1) {
    const main = a.type === 'numeric' ? 'spearman' : 'kappa';
    out.push('', '## Over time', '', `| from | pairs | ${main} |`, '|---|---:|---|', ...a.over_time.map((b) => `| ${b.start.slice(0, 10)} | ${b.stats.n} | ${est(b.stats[main])} |`));
  }
  out.push('', `## Disagreements (${a.disagreement_count}${a.disagreements.length < a.disagreement_count ? `, first ${a.disagreements.length}` : ''})`);
  if (!a.disagreements.length) out.push('none');
  for (const d of a.disagreements) {
    out.push('', `### ${d.trace_id}${d.span_id ? ` span ${d.span_id}` : ''} (v${d.version}) ${d.link}`, `- judge: ${one(d.judge.label)}${d.judge.reasoning ? `: ${clip(d.judge.reasoning)}` : ''}`);
    for (const h of d.humans) out.push(`- ${h.author ?? 'reviewer'}: ${one(h.label)}${h.comment ? `: ${clip(h.comment)}` : ''}`);
  }
  return out.join('\n');
}

/** An alignment run as compact markdown: both versions' agreement, errors, the changed verdicts, the gate's decision. */
export function alignmentMarkdown(a: AlignOut): string {
  const draftName = a.draft.version === null ? 'draft' : `v${a.draft.version}`;
  const errs = (e: AlignOut['draft']['errors']) => (e.count ? `${e.count} errors (${Object.entries(e.by_code).map(([c, n]) => `${c} ${n}`).join(', ')}), not counted` : 'no errors');
  const out = [
    `# Alignment: evaluator ${a.evaluator_id} vs human ${a.human_key}`,
    '',
    `${a.type}; ${a.items} human-labelled items. Intervals 95%.`,
    '',
    `## Current (v${a.current.version}): ${errs(a.current.errors)}${a.current.rerun ? `; ${a.current.rerun} unscored items run now` : ''}`,
    ...statLines(a.type, a.current.stats),
    '',
    `## ${draftName}: ${errs(a.draft.errors)}`,
    ...statLines(a.type, a.draft.stats),
    ...matrix(a.draft.stats),
  ];
  for (const e of a.draft.errors.examples.slice(0, 5)) out.push(`- error ${e.trace_id}: ${e.error_code}: ${clip(e.error, 120)}`);
  if (a.gate) out.push('', `## Gate: ${a.gate.action}`, a.gate.reason);
  out.push('', `## Changed verdicts (${a.changed_count}${a.changed.length < a.changed_count ? `, first ${a.changed.length}` : ''})`);
  if (!a.changed.length) out.push('none');
  for (const c of a.changed) {
    out.push('', `### ${c.trace_id}${c.span_id ? ` span ${c.span_id}` : ''} ${c.link} (${c.now_agrees ? 'now agrees with people' : 'changed'})`, `- people: ${one(c.human)}`, `- current: ${one(c.current.label)}${c.current.reasoning ? `: ${clip(c.current.reasoning)}` : ''}`, `- ${draftName}: ${one(c.draft.label)}${c.draft.reasoning ? `: ${clip(c.draft.reasoning)}` : ''}`);
  }
  return out.join('\n');
}
