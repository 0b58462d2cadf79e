/**
 * Quality of the offline Insights engine on real labelled agent data: the tau-bench
 * airline conversations (50 tasks x 4 trials of GPT-4o, reward 1/0) and the tau2-bench
 * airline and retail simulations (GPT-4.1 and a fine-tuned GPT-4.1 on the same tasks,
 * reward_info naming the checks that failed), from ../shared/data/. Each conversation is
 * converted to the trace tree the API would return (scripts/demo/), summarised as the job
 * will (summarizeTrace, failure = `outcome` feedback 0) and run through every step.
 *
 * Prints, per data set: the normalised mutual information between intent clusters and
 * task ids (against the same cluster sizes shuffled, so the reader sees chance level), how
 * often a task's trials land in one cluster, the cluster hierarchy with names, sizes and
 * failure rates, the failure clusters, and the top failure patterns with lift, interval
 * and Benjamini-Hochberg q value.
 *
 *   npx node bench/insights-quality.ts        (DATA=/path/to/shared/data to point elsewhere)
 */
import { existsSync, readFileSync } from 'node:fs';
import { taubenchTrees, treeFromSpans } from '../scripts/demo/taubench-tree.ts';
import type { TauBenchItem } from '../scripts/demo/taubench.ts';
import { tau2ToTrace, type Tau2File } from '../scripts/demo/tau2bench.ts';
import { runReport, summarizeTrace, type ClusterReport, type InsightsReport, type TraceSummary } from '../workers/insights/engine/index.ts';
import { seededRandom } from '../workers/insights/engine/hash.ts';
import { normalizedMutualInformation } from '../workers/stats/information.ts';
import type { TraceTree } from '../schema/wire/trace.ts';

// The shared data sits beside the repository (../shared/data); a worktree under /work/wt/ looks in /work/shared.
const DATA = [process.env.DATA, new URL('../../shared/data', import.meta.url).pathname, '/work/shared/data'].find((d) => d && existsSync(`${d}/taubench/gpt-4o-airline.json`)) ?? '../shared/data';
const TAU2 = {
  airline: ['gpt-4.1_airline_default_gpt-4.1_1trials.json', 'ft_gpt-4.1-2025-04-14_sierra_tau2-full-sft_BzrYdMNm_airline_default_gpt-4.1_1trials.json'],
  retail: ['gpt-4.1_retail_defautl_gpt-4.1_1trials.json', 'ft_gpt-4.1-2025-04-14_sierra_tau2-full-sft_BzrYdMNm_retail_default_gpt-4.1_1trials.json'],
};

/** A labelled trace: its tree, and what the benchmark knows about it (never shown to the engine). */
interface Labelled {
  tree: TraceTree;
  task: string;
  domain: string;
}

/** Failure as the default report definition would read it here: outcome feedback 0. */
function failed(tree: TraceTree): boolean {
  return tree.feedback.some((f) => f.key === 'outcome' && f.score === 0);
}

function tauBench(): Labelled[] {
  const items = JSON.parse(readFileSync(`${DATA}/taubench/gpt-4o-airline.json`, 'utf8')) as TauBenchItem[];
  return taubenchTrees(items).map((tree, i) => ({ tree, task: String(items[i].task_id), domain: 'airline' }));
}

function tau2(domain: keyof typeof TAU2): Labelled[] {
  return TAU2[domain].flatMap((file) => {
    const data = JSON.parse(readFileSync(`${DATA}/tau2bench/${file}`, 'utf8')) as Tau2File;
    const model = data.info.agent_info.llm;
    const agent = model.startsWith('ft:') ? 'gpt-4.1-fine-tuned' : 'gpt-4.1';
    return data.simulations.map((sim) => {
      const { spans, feedback } = tau2ToTrace(sim, domain, agent, model);
      return { tree: treeFromSpans(spans, feedback), task: `${domain}-${sim.task_id}`, domain };
    });
  });
}

const pct = (x: number | null) => (x == null ? '–' : `${(x * 100).toFixed(0)}%`);
const num = (x: number, d = 2) => x.toFixed(d);

/** NMI of the labels against shuffles of them (same sizes): the chance level for this many clusters. */
function chanceNmi(clusters: string[], truth: string[], rounds = 50): number {
  const random = seededRandom(7);
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    const shuffled = [...clusters];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    total += normalizedMutualInformation(shuffled, truth) ?? 0;
  }
  return total / rounds;
}

function printCluster(c: ClusterReport, indent: string): void {
  console.log(`${indent}- ${c.id} **${c.name}**: ${c.size} traces (${pct(c.share)}), failure rate ${pct(c.failureRate)} [${pct(c.failureInterval?.low ?? null)}, ${pct(c.failureInterval?.high ?? null)}]`);
  for (const child of c.children ?? []) printCluster(child, `${indent}  `);
}

function printReport(name: string, data: Labelled[], report: InsightsReport, members: { trace: string; intent: string; intentCategory: string }[], ms: number): void {
  const byId = new Map(data.map((d) => [d.tree.trace.id, d]));
  const tasks = members.map((m) => byId.get(m.trace)!.task);
  const leaves = members.map((m) => m.intent);
  const categories = members.map((m) => m.intentCategory);
  const leafCount = new Set(leaves).size;
  console.log(`\n## ${name}\n`);
  console.log(`${report.traces} traces, ${report.failures} failed (base rate ${pct(report.baseRate)}), ${new Set(tasks).size} tasks; ${report.intents.length} categories, ${leafCount} leaf clusters; all steps ${ms.toFixed(0)} ms\n`);
  const nmiLeaf = normalizedMutualInformation(leaves, tasks)!;
  const nmiCat = normalizedMutualInformation(categories, tasks)!;
  console.log(`| clusters vs task id | NMI | same sizes shuffled (chance) |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| leaf clusters (${leafCount}) | ${num(nmiLeaf)} | ${num(chanceNmi(leaves, tasks))} |`);
  console.log(`| categories (${new Set(categories).size}) | ${num(nmiCat)} | ${num(chanceNmi(categories, tasks))} |`);
  const domains = members.map((m) => byId.get(m.trace)!.domain);
  if (new Set(domains).size > 1) console.log(`| categories vs domain | ${num(normalizedMutualInformation(categories, domains)!)} | ${num(chanceNmi(categories, domains))} |`);
  // How often every trial of a task lands in one leaf (tasks with more than one trial).
  const byTask = new Map<string, Set<string>>();
  members.forEach((m, i) => byTask.set(tasks[i], (byTask.get(tasks[i]) ?? new Set()).add(m.intent)));
  const repeated = [...byTask.values()];
  const together = repeated.filter((s) => s.size === 1).length;
  console.log(`\nAll trials of a task in one leaf cluster: ${together} of ${repeated.length} tasks (${pct(together / repeated.length)}).\n`);
  console.log('Intent clusters:\n');
  for (const c of report.intents) printCluster(c, '');
  console.log('\nFailure clusters by trajectory:\n');
  for (const c of report.failureClusters.byTrajectory) console.log(`- ${c.id} **${c.name}**: ${c.size} failing traces`);
  console.log('\nFailure clusters by what reviewers wrote:\n');
  for (const c of report.failureClusters.byReview) console.log(`- ${c.id} **${c.name}**: ${c.size} failing traces`);
  console.log(`\nTop failure patterns (${report.patternsTested} distinct candidates tested, ${report.patternsSignificant} significant at FDR 5%):\n`);
  console.log('| pattern | traces | failed | rate | lift | 95% interval | p | q | filter |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |');
  for (const p of report.patterns.slice(0, 12)) {
    const ci = p.interval ? `${num(p.interval.low)}–${num(p.interval.high)}` : '–';
    console.log(`| ${p.label}${p.sameAs.length ? ` (= ${p.sameAs.length} more)` : ''} | ${p.support} | ${p.failures} | ${pct(p.rate)} | ${num(p.lift)} | ${ci} | ${p.p.toExponential(1)} | ${p.q.toExponential(1)} | ${p.filter ? `\`${p.filter}\`` : '–'} |`);
  }
  // The before/after pair of tau2-bench: how each agent release fares, significant or not.
  const releases = report.patterns.filter((p) => p.kind === 'release' || p.sameAs.some((l) => l.startsWith('release ')));
  if (releases.length) console.log(`\nBy release: ${releases.map((p) => `${[p.label, ...p.sameAs].find((l) => l.startsWith('release ')) ?? p.label}: ${p.failures}/${p.support} failed, lift ${num(p.lift)}, q ${p.q.toFixed(2)}`).join('; ')}`);
  if (report.notes.length) console.log(`\nNotes:\n${report.notes.map((n) => `- ${n}`).join('\n')}`);
}

function run(name: string, data: Labelled[]): void {
  const started = performance.now();
  const summaries: TraceSummary[] = data.map((d) => summarizeTrace(d.tree, { failed: failed(d.tree) }));
  // Every tested pattern is kept (the default keeps 50), so the release rows below can be shown whatever their rank.
  const { report, members } = runReport(summaries, { topPatterns: 1000 });
  printReport(name, data, report, members, performance.now() - started);
}

if (!existsSync(`${DATA}/taubench/gpt-4o-airline.json`)) {
  console.error(`no tau-bench data found (looked beside the repository and in /work/shared/data): set DATA to the shared data folder`);
  process.exit(2);
}
console.log('# Insights quality on labelled agent data (offline path: TF-IDF + LSA + k-means, c-TF-IDF names)');
run('tau-bench airline, GPT-4o (50 tasks x 4 trials)', tauBench());
run('tau2-bench airline, GPT-4.1 and fine-tuned GPT-4.1 (20 tasks x 2 agents)', tau2('airline'));
run('tau2-bench retail, GPT-4.1 and fine-tuned GPT-4.1 (40 tasks x 2 agents)', tau2('retail'));
run('tau2-bench airline + retail together (60 tasks x 2 agents)', [...tau2('airline'), ...tau2('retail')]);
