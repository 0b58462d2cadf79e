/** `loupe evaluators agreement|align <evaluator>`: how well a judge agrees with people, and how a draft would. */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AgreementOut, AlignOut } from '../../schema/wire/calibration.ts';
import { agreementMarkdown, alignmentMarkdown } from '../../schema/render/calibration.ts';
import type { Connection } from '../config.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

interface Flags {
  humanKey?: string;
  type?: string;
  threshold?: string;
  tolerance?: string;
  version?: string;
  disagreements?: string;
}

const EvaluatorList = z.object({ evaluators: z.array(z.object({ id: z.string(), name: z.string(), key: z.string() }).passthrough()) });

/** Registers `evaluators agreement` (the `evaluators` group is shared: found or made). */
export function calibrationCommands(program: Command): void {
  const evaluators = program.commands.find((c) => c.name() === 'evaluators') ?? program.command('evaluators').description('evaluators (LLM judges, code checks)');
  evaluators
    .command('agreement')
    .description("agreement of an evaluator's scores with human labels on the same traces: matrix, accuracy/kappa or Spearman/MAE, per version, disagreements")
    .argument('<evaluator>', 'evaluator id, name or key')
    .option('--human-key <key>', 'compare with this human feedback key (default: the stored mapping, else the same key)')
    .option('--type <type>', 'boolean, categorical or numeric (default: the evaluator output type)')
    .option('--threshold <n>', 'a numeric label >= n counts as true')
    .option('--tolerance <n>', 'numeric: |judge - human| <= n counts as within')
    .option('--version <n>', 'only this evaluator version')
    .option('--disagreements <n>', 'how many disagreements to list', '20')
    .action(async (evaluator: string, flags: Flags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const found = await findEvaluator(conn, evaluator);
      const a = await request(conn, `/v1/evaluators/${encodeURIComponent(found.id)}/agreement`, {
        schema: AgreementOut,
        query: { human_key: flags.humanKey, type: flags.type, threshold: flags.threshold, tolerance: flags.tolerance, version: flags.version, disagreements: flags.disagreements },
      });
      await print(g.format === 'md' ? agreementMarkdown(a) : jsonOutput(g.format, a, a.disagreements));
    });

  evaluators
    .command('align')
    .description("run a draft (changes as JSON, the PATCH body) or a saved version over the human-labelled items without writing scores; its agreement beside the current version's, the changed verdicts, and the gate's decision")
    .argument('<evaluator>', 'evaluator id, name or key')
    .option('--draft <json>', 'changes to try, e.g. \'{"config":{"model":"gpt-4o"}}\'')
    .option('--draft-file <path>', 'the same JSON from a file')
    .option('--version <n>', 'measure this saved version instead (with a gate: promote or block it)')
    .option('--limit <n>', 'most labelled items to run on (newest first; max 250)', '200')
    .option('--human-key <key>', 'compare with this human feedback key')
    .option('--threshold <n>', 'a numeric label >= n counts as true')
    .option('--changed <n>', 'how many changed verdicts to list', '50')
    .action(async (evaluator: string, flags: AlignFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      let draft: unknown;
      const text = flags.draftFile ? await readFile(flags.draftFile, 'utf8') : flags.draft;
      if (text !== undefined) {
        try {
          draft = JSON.parse(text);
        } catch (err) {
          throw new CliError(`--draft: not JSON (${(err as Error).message})`, EXIT.usage);
        }
      }
      if ((draft === undefined) === (flags.version === undefined)) throw new CliError('give --draft (or --draft-file) or --version, one of them', EXIT.usage);
      const conn = await resolveConnection(g);
      const found = await findEvaluator(conn, evaluator);
      const body = { draft, version: intFlag('--version', flags.version), limit: intFlag('--limit', flags.limit), changed: intFlag('--changed', flags.changed), human_key: flags.humanKey, threshold: flags.threshold === undefined ? undefined : Number(flags.threshold) };
      const a = await request(conn, `/v1/evaluators/${encodeURIComponent(found.id)}/align`, { body, schema: AlignOut });
      await print(g.format === 'md' ? alignmentMarkdown(a) : jsonOutput(g.format, a, a.changed));
    });
}

interface AlignFlags {
  draft?: string;
  draftFile?: string;
  version?: string;
  limit?: string;
  humanKey?: string;
  threshold?: string;
  changed?: string;
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name}: a whole number, not '${v}'`, EXIT.usage);
  return n;
}

/** An evaluator by id, name or key. */
async function findEvaluator(conn: Connection, evaluator: string) {
  const list = await request(conn, '/v1/evaluators', { schema: EvaluatorList });
  const found = list.evaluators.find((e) => e.id === evaluator) ?? list.evaluators.find((e) => e.name === evaluator || e.key === evaluator);
  if (!found) throw new CliError(`no evaluator '${evaluator}' (by id, name or key) in this project; \`curl /v1/evaluators\` lists them`, EXIT.notFoundOrAuth);
  return found;
}
