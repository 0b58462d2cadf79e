/**
 * `loupe experiments list|compare|gate`: see a dataset's experiments, compare a candidate
 * with its baseline (error bars, regressions first), and gate a release on it in CI.
 * The gate has its own exit codes, as CI expects: 0 pass, 1 fail, 2 usage (including
 * contradicting flags, and an unknown experiment or baseline).
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ComparisonOut, ExperimentOut, GateOut } from '../../schema/wire/experiments.ts';
import { comparisonMarkdown, experimentsTable, gateMarkdown } from '../../schema/render/experiments.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';
import { runExperiment, type RunFlags } from './experiments-run.ts';
import { scoreCommand } from './experiments-score.ts';

/** The gate's exit codes. */
export const GATE_EXIT = { pass: 0, fail: 1, usage: 2 } as const;

/** Whether argv runs the gate, whose usage errors (commander's too) exit 2, not the CLI's usual 1. */
export function isGateCommand(argv: readonly string[]): boolean {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'experiments' && words[1] === 'gate';
}

interface GateFlags {
  candidate?: string;
  baseline?: string;
  baselineTag?: string;
  metric?: string[];
  maxRegressions?: string;
  minDelta?: string;
  confidence?: string;
}

const usage = (message: string) => new CliError(message, GATE_EXIT.usage);

/** A flag's number, or a usage error naming the flag. */
function numberFlag(value: string | undefined, flag: string, whole = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (whole && !Number.isInteger(n))) throw usage(`${flag} must be ${whole ? 'a whole number' : 'a number'}, got '${value}'`);
  return n;
}

/** The gate request from the flags, checked before any call: contradicting flags exit 2 with the reason. */
export function gateBody(flags: GateFlags): { candidate: string; body: Record<string, unknown> } {
  if (!flags.candidate) throw usage('--candidate <experiment> is required');
  if (flags.baseline !== undefined && flags.baselineTag !== undefined) throw usage('--baseline and --baseline-tag name the baseline two ways: give one');
  if (flags.baselineTag !== undefined && !flags.baselineTag.trim()) throw usage('--baseline-tag needs a dataset tag, e.g. prod');
  const maxRegressions = numberFlag(flags.maxRegressions, '--max-regressions', true);
  if (maxRegressions !== undefined && maxRegressions < 0) throw usage('--max-regressions must be >= 0');
  const minDelta = numberFlag(flags.minDelta, '--min-delta');
  const confidence = numberFlag(flags.confidence, '--confidence');
  if (confidence !== undefined && !(confidence > 0 && confidence < 1)) throw usage(`--confidence must be between 0 and 1 (exclusive), e.g. 0.95, got ${flags.confidence}`);
  const metrics = flags.metric ?? [];
  const dup = metrics.find((m, i) => metrics.indexOf(m) !== i);
  if (dup) throw usage(`--metric ${dup} is given twice`);
  return {
    candidate: flags.candidate,
    body: {
      ...(flags.baseline !== undefined ? { baseline: flags.baseline } : {}),
      ...(flags.baselineTag !== undefined ? { baseline_tag: flags.baselineTag } : {}),
      ...(metrics.length ? { metrics } : {}),
      ...(maxRegressions !== undefined ? { max_regressions: maxRegressions } : {}),
      ...(minDelta !== undefined ? { min_delta: minDelta } : {}),
      ...(confidence !== undefined ? { confidence } : {}),
    },
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registers the `experiments` commands. */
export function experimentsCommands(program: Command): void {
  const experiments = program.command('experiments').description('run, score, list, compare and gate experiments (a candidate run over a dataset version)');

  experiments
    .command('run')
    .description('run a candidate once per example (x repetitions) and record it as an experiment; the same --name resumes an interrupted run')
    .option('--dataset <name[@version|:tag]>', 'the dataset, at a version or tag (default latest); its examples are run unless --examples is given')
    .option('--examples <file.jsonl>', 'run these examples instead of the Loupe dataset\'s: one {"id", "inputs", "outputs"?} per line')
    .option('--name <experiment>', 'the experiment name (reuse it to resume)')
    .option('--cmd <command>', 'a shell command: inputs JSON on stdin, output JSON on stdout')
    .option('--endpoint <url>', 'an HTTP endpoint: inputs POSTed as JSON, JSON answer')
    .option('--repetitions <n>', 'runs per example', '1')
    .option('--concurrency <n>', 'runs at once', '4')
    .option('--timeout <seconds>', 'per run; a run past it is recorded as errored', '60')
    .option('--commit <sha>', "the candidate's commit or version")
    .option('--check <check>', 'score each run in the CLI: exact_match (output equals the example outputs)')
    .action(async (flags: RunFlags, cmd: Command) => runExperiment(flags, cmd.optsWithGlobals<GlobalFlags>()));

  scoreCommand(experiments);

  experiments
    .command('list')
    .description('experiments, newest first')
    .option('--dataset <id>', 'only this dataset')
    .action(async (flags: { dataset?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const answer = await request(conn, '/v1/experiments', { query: { dataset_id: flags.dataset }, schema: z.object({ experiments: z.array(ExperimentOut) }) });
      await print(g.format === 'md' ? experimentsTable(answer.experiments) : jsonOutput(g.format, answer, answer.experiments));
    });

  experiments
    .command('compare')
    .description('compare candidates with a baseline (the first named): means with 95% intervals, the paired delta, regressions first')
    .argument('<baseline>', 'the baseline experiment (id or name)')
    .argument('<candidates...>', 'one or more candidate experiments')
    .option('--metric <key>', 'compare only this feedback key (repeatable)', collect)
    .action(async (baseline: string, candidates: string[], flags: { metric?: string[] }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const url = new URLSearchParams({ ids: [baseline, ...candidates].join(',') });
      for (const m of flags.metric ?? []) url.append('metric', m);
      const answer = await request(conn, `/v1/experiments/compare?${url}`, { schema: z.object({ comparisons: z.array(ComparisonOut) }) });
      if (g.format !== 'md') return print(jsonOutput(g.format, answer, answer.comparisons));
      await print(answer.comparisons.map((c) => comparisonMarkdown(c, { url: conn.url })).join('\n'));
    });

  experiments
    .command('gate')
    .description('gate a candidate on its baseline: exit 0 pass, 1 fail, 2 usage. Markdown for a pull request or $GITHUB_STEP_SUMMARY, or --format json')
    .option('--candidate <experiment>', 'the candidate experiment (id or name)')
    .option('--baseline <experiment>', "the baseline (default: the dataset's pinned baseline)")
    .addOption(new Option('--baseline-tag <tag>', "the baseline pinned for the dataset version this tag names (e.g. prod); not with --baseline"))
    .option('--metric <key>', 'gate on this feedback key (repeatable; default every key)', collect)
    .option('--max-regressions <n>', 'at most n examples may regress or error')
    .option('--min-delta <x>', "the paired delta's lower bound must reach x (negative: a non-inferiority margin)")
    .option('--confidence <level>', 'interval level, e.g. 0.95', undefined)
    .action(async (flags: GateFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const { candidate, body } = gateBody(flags);
      const conn = await resolveConnection(g);
      let result;
      try {
        result = await request(conn, `/v1/experiments/${encodeURIComponent(candidate)}/gate`, { body, schema: GateOut });
      } catch (err) {
        // Unknown experiments and server-side usage errors are usage errors of the gate (exit 2).
        if (err instanceof CliError && err.exitCode !== EXIT.server) throw usage(err.message);
        throw err;
      }
      await print(g.format === 'md' ? gateMarkdown(result, { url: conn.url }) : JSON.stringify(result, null, g.format === 'json' ? 2 : undefined));
      if (!result.pass) throw new CliError(`gate failed: ${result.reasons.join('; ')}`, GATE_EXIT.fail);
    });
}
