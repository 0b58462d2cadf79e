/**
 * The Insights report job as a Cloudflare Workflow: durable steps, each retried on
 * failure, each within one invocation's limits (128 MB, 30 s CPU; docs/insights.md has
 * the measured cost per step). Steps run in order; per-chunk steps are named by chunk so
 * a retry or a resumed instance redoes only what did not finish. The report row turns
 * `done` in the last step, after report.json and every membership row exist, so a report
 * is never seen half-written and never overwrites another (each has its own id and keys).
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepConfig } from 'cloudflare:workers';
import { assignStep, cleanupStep, emptyStep, finalizeStep, fitStep, membersStep, selectStep, summariseStep, type LlmState, type ReportParams } from './job.ts';
import { markDone, markFailed } from './reports.ts';
import type { Tally } from './engine/tally.ts';

const RETRY: WorkflowStepConfig = { retries: { limit: 4, delay: '2 seconds', backoff: 'exponential' }, timeout: '10 minutes' };

/** Traces per chunk (summarise, assign, members): 2,000 by default (INSIGHTS_CHUNK overrides it, so tests exercise several chunks). */
function chunkSize(env: Env): number {
  const n = Number(env.INSIGHTS_CHUNK);
  return Number.isInteger(n) && n > 0 ? n : 2000;
}

export class InsightsReportWorkflow extends WorkflowEntrypoint<Env, ReportParams> {
  async run(event: Readonly<WorkflowEvent<ReportParams>>, step: WorkflowStep): Promise<{ traces: number; patterns: number }> {
    const p = event.payload;
    try {
      const sel = await step.do('select', RETRY, () => selectStep(this.env, p, chunkSize(this.env)));
      let llm: LlmState = { calls: 0, stopped: null, model: null };
      for (let i = 0; i < sel.chunks; i++) {
        const before = llm;
        llm = (await step.do(`summarise ${i}`, RETRY, () => summariseStep(this.env, p, sel, i, before))).llm;
      }
      const atFit = llm;
      if (sel.chunks) await step.do('fit', RETRY, () => fitStep(this.env, p, sel, atFit));
      const tallies: Tally[] = [];
      for (let i = 0; i < sel.chunks; i++) tallies.push(await step.do(`assign ${i}`, RETRY, () => assignStep(this.env, p, sel, i)));
      const done = sel.chunks
        ? await step.do('finalize', RETRY, () => finalizeStep(this.env, p, sel, tallies, atFit))
        : await step.do('finalize', RETRY, () => emptyStep(this.env, p));
      for (let i = 0; i < sel.chunks; i++) await step.do(`members ${i}`, RETRY, () => membersStep(this.env, p, sel, i));
      await step.do('publish', RETRY, () => markDone(this.env, p.projectId, p.reportId, done));
      await step.do('cleanup', RETRY, () => cleanupStep(this.env, p));
      return { traces: done.traces, patterns: done.patterns };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await step.do('record failure', RETRY, () => markFailed(this.env, p.projectId, p.reportId, message));
      throw err;
    }
  }
}
