/**
 * `loupe experiments score <experiment> --evaluator <id>...`: score an existing experiment
 * with more evaluators (server-side jobs; asking again never adds a second score), and
 * with `--wait` follow the scoring until nothing is queued. Prints a table per evaluator
 * (queued / scored / failed / skipped), or the answer as JSON.
 */
import type { Command } from 'commander';
import { ExperimentScoreOut, ExperimentScoringOut } from '../../schema/wire/experiments.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';
import type { z } from 'zod';

interface ScoreFlags {
  evaluator?: string[];
  wait?: boolean;
  timeout: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scoring progress as a markdown table. */
export function scoringTable(s: z.infer<typeof ExperimentScoringOut>, queued?: z.infer<typeof ExperimentScoreOut>): string {
  const lines: string[] = [];
  if (queued) {
    lines.push(`Queued ${queued.queued} scoring job(s) for ${queued.evaluators.join(', ')}${queued.runs_without_trace ? `; ${queued.runs_without_trace} run(s) have no trace in Loupe and cannot be scored` : ''}.`, '');
  }
  lines.push('| evaluator | queued | scored | failed | skipped |', '| --- | ---: | ---: | ---: | ---: |');
  for (const e of s.evaluators) lines.push(`| ${e.evaluator_id} | ${e.queued} | ${e.scored} | ${e.failed} | ${e.skipped} |`);
  lines.push('', s.done ? 'Scoring done.' : 'Scoring in progress: run again with --wait, or `loupe experiments compare` once done.');
  return lines.join('\n');
}

/** Registers `experiments score`. */
export function scoreCommand(experiments: Command): void {
  experiments
    .command('score')
    .description('score an existing experiment with more evaluators (each run once per evaluator version, however often asked)')
    .argument('<experiment>', 'the experiment (id or name)')
    .option('--evaluator <id>', 'an evaluator id (repeatable)', collect)
    .option('--wait', 'wait until every scoring job has finished')
    .option('--timeout <seconds>', 'with --wait, give up after this long', '600')
    .action(async (experiment: string, flags: ScoreFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const evaluators = flags.evaluator ?? [];
      if (!evaluators.length) throw new CliError('--evaluator <id> is required (repeat it for several)', EXIT.usage);
      const timeoutS = Number(flags.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CliError(`--timeout must be a positive number of seconds, got '${flags.timeout}'`, EXIT.usage);
      const conn = await resolveConnection(g);
      const path = `/v1/experiments/${encodeURIComponent(experiment)}`;
      const queued = await request(conn, `${path}/score`, { body: { evaluators }, schema: ExperimentScoreOut });
      let status = await request(conn, `${path}/scoring`, { schema: ExperimentScoringOut });
      const until = Date.now() + timeoutS * 1000;
      while (flags.wait && !status.done) {
        if (Date.now() > until) throw new CliError(`scoring not done after ${timeoutS} s: ${status.evaluators.map((e) => `${e.evaluator_id} ${e.queued} queued`).join(', ')}`, EXIT.server);
        await sleep(1000);
        status = await request(conn, `${path}/scoring`, { schema: ExperimentScoringOut });
      }
      const whole = { ...queued, scoring: status };
      await print(g.format === 'md' ? scoringTable(status, queued) : jsonOutput(g.format, whole, status.evaluators));
    });
}
