/**
 * `loupe traces delete` and `loupe traces deletion`: queue a deletion job (one trace, the
 * traces matching a filter, or everything of an end user), after showing how many traces it
 * matches and asking; then follow the job. The job itself runs on the server, in chunks from
 * the every-minute cron (docs/lifecycle.md), so it finishes even if this command is stopped.
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { DeletionOut } from '../../schema/wire/lifecycle.ts';
import { TraceList } from '../../schema/wire/trace.ts';
import { MAX_PAGE } from '../../schema/wire/query.ts';
import { request } from '../client.ts';
import { resolveConnection, type Connection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

/** How often --wait asks for the job's status. */
const POLL_MS = 2_000;

interface DeleteFlags {
  user?: string;
  trace?: string;
  yes?: boolean;
  wait?: boolean;
}

/** The traces a deletion would take, as "N" or "more than 500" (the API pages; one page is enough to ask). */
async function preview(conn: Connection, q: string): Promise<string> {
  const page = await request(conn, '/v1/traces', { query: { q, limit: MAX_PAGE }, schema: TraceList });
  return page.next_cursor ? `more than ${page.traces.length}` : String(page.traces.length);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function describeJob(job: DeletionOut): string {
  const what = job.kind === 'user' ? `end user \`${job.target}\`` : job.kind === 'trace' ? `trace \`${job.target}\`` : `traces matching \`${job.target}\``;
  const done = job.status === 'done' ? `, finished ${job.finished_at}` : '';
  const error = job.error ? `\nLast error (retried every minute): ${job.error}` : '';
  return `Deletion \`${job.id}\` of ${what}: **${job.status}**, ${job.deleted_traces} traces deleted, ${job.rewritten_objects} R2 batches re-packed${done}.${error}`;
}

async function follow(conn: Connection, id: string): Promise<DeletionOut> {
  for (;;) {
    const job = await request(conn, `/v1/deletions/${encodeURIComponent(id)}`, { schema: DeletionOut });
    if (job.status === 'done' || job.status === 'failed') return job;
    if (process.stderr.isTTY) process.stderr.write(`${job.status}: ${job.deleted_traces} traces deleted so far\n`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Registers `traces delete` and `traces deletion` under the `traces` command. */
export function traceDeletionCommands(traces: Command): void {
  traces
    .command('delete')
    .description('delete traces for good (D1 rows, search index, review items and R2 bytes): those matching a filter, --user <id> or --trace <id>')
    .argument('[filter...]', 'a filter in the Loupe filter language (e.g. `env=staging since:400d`)')
    .option('--user <user_id>', 'everything about this end user (a data-protection request)')
    .option('--trace <trace_id>', 'one trace')
    .option('--yes', 'do not ask (needed when standard input is not a terminal)')
    .option('--wait', 'follow the job until it is done')
    .action(async (words: string[], flags: DeleteFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const filter = words.join(' ').trim();
      const given = [filter && 'a filter', flags.user && '--user', flags.trace && '--trace'].filter(Boolean);
      if (given.length !== 1) throw new CliError(`give exactly one of a filter, --user or --trace${given.length ? ` (got ${given.join(' and ')})` : ''}`, EXIT.usage);
      const conn = await resolveConnection(g);
      const body = flags.user ? { user_id: flags.user } : flags.trace ? { trace_id: flags.trace } : { filter };
      if (!flags.yes) {
        if (!process.stdin.isTTY) throw new CliError('deleting cannot be undone: add --yes to confirm when not at a terminal', EXIT.usage);
        const q = flags.user ? `user = ${JSON.stringify(flags.user)}` : flags.trace ? `trace = ${JSON.stringify(flags.trace)}` : filter;
        const n = await preview(conn, q);
        if (!(await confirm(`Delete ${n} trace${n === '1' ? '' : 's'} (${q}) for good?`))) throw new CliError('nothing deleted', EXIT.usage);
      }
      let job = await request(conn, '/v1/deletions', { body, schema: DeletionOut });
      if (flags.wait) job = await follow(conn, job.id);
      if (g.format !== 'md') return print(jsonOutput(g.format, job, [job]));
      await print(describeJob(job) + (flags.wait ? '' : `\nFollow it with \`loupe traces deletion ${job.id}\`.`));
    });

  traces
    .command('deletion')
    .description("a deletion job's status")
    .argument('<job-id>', 'the id `loupe traces delete` printed')
    .option('--wait', 'follow the job until it is done')
    .action(async (id: string, flags: { wait?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const job = flags.wait ? await follow(conn, id) : await request(conn, `/v1/deletions/${encodeURIComponent(id)}`, { schema: DeletionOut });
      if (g.format !== 'md') return print(jsonOutput(g.format, job, [job]));
      await print(describeJob(job));
    });
}
