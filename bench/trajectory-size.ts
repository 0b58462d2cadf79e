/**
 * How much of an agent's context a trace costs: the markdown rendering (what `loupe
 * traces get` and the MCP get_trace tool return) of the 10 largest tau-bench traces, at
 * default settings and at --max-tokens 2000, against their raw JSON (GET /v1/traces/:id,
 * where every LLM span carries the conversation so far, as OpenAI-style instrumentation
 * records it) and against the bare conversation (tau-bench's own `traj` JSON: every
 * message once). Tokens are estimated as characters ÷ 4 in every column (estimateTokens).
 *
 *   node bench/trajectory-size.ts
 */
import { readFileSync } from 'node:fs';
import { taubenchTrees } from '../scripts/demo/taubench-tree.ts';
import type { TauBenchItem } from '../scripts/demo/taubench.ts';
import { estimateTokens, renderTrace } from '../schema/render/trajectory.ts';

const items = JSON.parse(readFileSync(new URL('../demo/taubench-airline.json', import.meta.url), 'utf8')) as TauBenchItem[];
const rows = taubenchTrees(items)
  .map((tree, i) => ({ tree, raw: estimateTokens(JSON.stringify(tree)), conversation: estimateTokens(JSON.stringify(items[i].traj)) }))
  .sort((a, b) => b.raw - a.raw)
  .slice(0, 10)
  .map(({ tree, raw, conversation }) => {
    const started = performance.now();
    const md = estimateTokens(renderTrace(tree));
    const budget = estimateTokens(renderTrace(tree, { maxTokens: 2000 }));
    return { id: tree.trace.id, spans: tree.spans.length, raw, conversation, md, budget, ms: performance.now() - started };
  });

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)}%`;
console.log('| trace | spans | raw trace JSON | conversation JSON | md (default) | md --max-tokens 2000 | default / raw | default / conversation |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.id} | ${r.spans} | ${fmt(r.raw)} | ${fmt(r.conversation)} | ${fmt(r.md)} | ${fmt(r.budget)} | ${pct(r.md, r.raw)} | ${pct(r.md, r.conversation)} |`);
const sum = (k: 'raw' | 'conversation' | 'md' | 'budget') => rows.reduce((s, r) => s + r[k], 0);
console.log(`| **total** | | ${fmt(sum('raw'))} | ${fmt(sum('conversation'))} | ${fmt(sum('md'))} | ${fmt(sum('budget'))} | ${pct(sum('md'), sum('raw'))} | ${pct(sum('md'), sum('conversation'))} |`);
console.log(`\nTokens estimated as characters ÷ 4. Both renderings of one trace take ${(rows.reduce((s, r) => s + r.ms, 0) / rows.length).toFixed(1)} ms on average on this machine.`);
