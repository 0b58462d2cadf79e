/** `loupe evaluators agreement <evaluator>`: how well a judge agrees with people. */
import type { Command } from 'commander';
import { z } from 'zod';
import { AgreementOut } from '../../schema/wire/calibration.ts';
import { agreementMarkdown } from '../../schema/render/calibration.ts';
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
      const list = await request(conn, '/v1/evaluators', { schema: EvaluatorList });
      const found = list.evaluators.find((e) => e.id === evaluator) ?? list.evaluators.find((e) => e.name === evaluator || e.key === evaluator);
      if (!found) throw new CliError(`no evaluator '${evaluator}' (by id, name or key) in this project; \`curl /v1/evaluators\` lists them`, EXIT.notFoundOrAuth);
      const a = await request(conn, `/v1/evaluators/${encodeURIComponent(found.id)}/agreement`, {
        schema: AgreementOut,
        query: { human_key: flags.humanKey, type: flags.type, threshold: flags.threshold, tolerance: flags.tolerance, version: flags.version, disagreements: flags.disagreements },
      });
      await print(g.format === 'md' ? agreementMarkdown(a) : jsonOutput(g.format, a, a.disagreements));
    });
}
