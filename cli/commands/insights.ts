/** `loupe insights run|list|get|patterns|traces|evaluator|track|tracked|untrack`: Insights reports (docs/insights.md) from a terminal or an agent. */
import type { Command } from 'commander';
import { z } from 'zod';
import { PatternOut, ReportOut, ReportRow, TrackedOut } from '../../schema/wire/insights.ts';
import { patternsTable, reportMarkdown, reportsTable, trackedTable } from '../../schema/render/insights.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print, tracesTable } from '../output.ts';
import { TraceList } from '../../schema/wire/trace.ts';
import type { GlobalFlags } from '../flags.ts';
import { FilterError, parseFilter } from '../../schema/filter/index.ts';

interface RunFlags {
  since: string;
  until?: string;
  failure?: string;
  wait?: boolean;
}

const PatternList = z.object({ report_id: z.string(), status: z.string(), base_rate: z.number().nullable(), patterns: z.array(PatternOut) });

/** Polls a report until it is done or failed, printing progress to stderr. */
async function waitFor(conn: Awaited<ReturnType<typeof resolveConnection>>, id: string): Promise<ReportOut> {
  let last = '';
  for (;;) {
    const r = await request(conn, `/v1/insights/reports/${encodeURIComponent(await resolveReport(conn, id))}`, { schema: ReportOut });
    const line = `${r.status}: ${r.progress.step} ${r.progress.done}/${r.progress.total}`;
    if (line !== last && process.stderr.isTTY) process.stderr.write(`${line}\n`);
    last = line;
    if (r.status === 'done') return r;
    if (r.status === 'failed') throw new CliError(`report ${id} failed: ${r.error ?? 'unknown error'}`, EXIT.server);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Checks a filter here (same parser as the server), so a typo is shown with a caret under the place and costs no round trip. */
function checkFilter(q: string, what: string): void {
  if (!q.trim()) return;
  try {
    parseFilter(q);
  } catch (err) {
    if (err instanceof FilterError) throw new CliError(what === 'filter' ? err.message : `${err.message} (in ${what})`, EXIT.usage, { q, position: err.position, end: err.end });
    throw err;
  }
}

type Conn = Awaited<ReturnType<typeof resolveConnection>>;

/** A report id, or `latest`: the newest finished report. */
async function resolveReport(conn: Conn, id: string): Promise<string> {
  if (id !== 'latest') return id;
  const list = await request(conn, '/v1/insights/reports', { query: { limit: 200 }, schema: z.object({ reports: z.array(ReportRow) }) });
  const done = list.reports.find((r) => r.status === 'done');
  if (!done) throw new CliError('no finished Insights report yet: run one with `loupe insights run --wait`', EXIT.notFoundOrAuth);
  return done.id;
}

export function insightsCommands(program: Command): void {
  const insights = program.command('insights').description('cluster traces by intent and failure, rank failure patterns by lift');

  insights
    .command('run')
    .description('run a report over the traces a filter matches (in the background; --wait to wait and print it)')
    .argument('[filter]', 'which traces (the filter language), e.g. "env=production"', '')
    .option('--since <time>', 'start of the range: a duration back from now (30d) or a date', '30d')
    .option('--until <time>', 'end of the range (exclusive)')
    .option('--failure <filter>', 'what failing means (default: a score below 0.5 or an error status)')
    .option('--wait', 'wait until the report is done and print it')
    .action(async (filter: string, flags: RunFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      checkFilter(filter, 'filter');
      if (flags.failure) checkFilter(flags.failure, '--failure');
      const conn = await resolveConnection(g);
      const body = { filter, since: flags.since, ...(flags.until ? { until: flags.until } : {}), ...(flags.failure ? { failure_filter: flags.failure } : {}) };
      const row = await request(conn, '/v1/insights/reports', { body, schema: ReportRow });
      if (!flags.wait) {
        await print(g.format === 'md' ? `Started report \`${row.id}\`. Follow it: \`loupe insights get ${row.id}\`\n` : jsonOutput(g.format, row, [row]));
        return;
      }
      const done = await waitFor(conn, row.id);
      await print(g.format === 'md' ? reportMarkdown(done) : jsonOutput(g.format, done, [done]));
    });

  insights
    .command('list')
    .description('list reports, newest first, with their progress')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const list = await request(conn, '/v1/insights/reports', { schema: z.object({ reports: z.array(ReportRow) }) });
      await print(g.format === 'md' ? reportsTable(list.reports) : jsonOutput(g.format, list, list.reports));
    });

  insights
    .command('get')
    .description('a report: intents with sizes and failure rates, failure clusters, top patterns, each with its filter')
    .argument('<report>', 'the report id, or latest')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const r = await request(conn, `/v1/insights/reports/${encodeURIComponent(await resolveReport(conn, id))}`, { schema: ReportOut });
      await print(g.format === 'md' ? reportMarkdown(r) : jsonOutput(g.format, r, [r]));
    });

  insights
    .command('patterns')
    .description('the failure patterns of a report, ranked by lift, each with the filter that opens its traces')
    .argument('<report>', 'the report id, or latest')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const list = await request(conn, `/v1/insights/reports/${encodeURIComponent(await resolveReport(conn, id))}/patterns`, { schema: PatternList });
      await print(g.format === 'md' ? patternsTable(list.report_id, list.patterns, list.base_rate) : jsonOutput(g.format, list, list.patterns));
    });

  insights
    .command('traces')
    .description("the traces of a cluster or pattern (its membership filter `insight.<report>=<id>`), newest first")
    .argument('<report>', 'the report id, or latest')
    .argument('<cluster>', 'a cluster id (c1, c1.2, t1, r1) or pattern id (p1, ...)')
    .option('--limit <n>', 'traces to show (at most 500)', '50')
    .action(async (id: string, cluster: string, flags: { limit: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const reportId = await resolveReport(conn, id);
      const q = `insight.${reportId}=${cluster}`;
      const page = await request(conn, '/v1/traces', { query: { q, limit: Math.min(500, Math.max(1, Number(flags.limit) || 50)) }, schema: TraceList });
      const note = `\n${page.traces.length} traces of \`${q}\`${page.next_cursor ? ' shown; more match: `loupe traces list "' + q + '"`' : ''}.\n`;
      await print(g.format === 'md' ? tracesTable(page.traces) + note : jsonOutput(g.format, page, page.traces));
    });

  insights
    .command('evaluator')
    .description('draft an evaluator from a cluster or pattern (tool_sequence for a call sequence, judge criteria for an intent); --create to create it')
    .argument('<report>', 'the report id, or latest')
    .argument('<cluster>', 'a cluster id or pattern id')
    .option('--create', 'create the evaluator (needs an admin key); without it the draft is only printed')
    .action(async (id: string, cluster: string, flags: { create?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const reportId = await resolveReport(conn, id);
      const out = await request(conn, `/v1/insights/reports/${encodeURIComponent(reportId)}/clusters/${encodeURIComponent(cluster)}/evaluator`, {
        body: { create: !!flags.create },
        schema: z.object({ draft: z.record(z.string(), z.unknown()), evaluator: z.record(z.string(), z.unknown()).nullable() }),
      });
      if (g.format !== 'md') return print(jsonOutput(g.format, out, [out]));
      const head = out.evaluator ? `Created evaluator \`${String(out.evaluator.id)}\` from ${cluster} of \`${reportId}\`.` : `Evaluator drafted from ${cluster} of \`${reportId}\` (not created: review it, then \`--create\` or POST it to /v1/evaluators):`;
      await print(`${head}\n\n\`\`\`json\n${JSON.stringify(out.draft, null, 2)}\n\`\`\`\n`);
    });

  insights
    .command('track')
    .description('track a pattern until it is fixed: its rate in later reports and per release (tracking it again keeps one entry)')
    .argument('<report>', 'the report id, or latest')
    .argument('<pattern>', 'a pattern id (p1, ...)')
    .option('--threshold <rate>', "failure rate under which it counts as fixed, 0..1 (default: the report's base rate)")
    .action(async (id: string, pattern: string, flags: { threshold?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new CliError(`--threshold: a failure rate between 0 and 1, got '${flags.threshold}'`, EXIT.usage);
      const conn = await resolveConnection(g);
      const t = await request(conn, '/v1/insights/tracked', { body: { report_id: await resolveReport(conn, id), pattern, ...(threshold === undefined ? {} : { threshold }) }, schema: TrackedOut });
      await print(g.format === 'md' ? trackedTable([t]) : jsonOutput(g.format, t, [t]));
    });

  insights
    .command('tracked')
    .description('tracked patterns with their status (open or fixed) and rate over later reports and releases')
    .argument('[id]', 'one tracked pattern')
    .action(async (id: string | undefined, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const rows = id ? [await request(conn, `/v1/insights/tracked/${encodeURIComponent(id)}`, { schema: TrackedOut })] : (await request(conn, '/v1/insights/tracked', { schema: z.object({ tracked: z.array(TrackedOut) }) })).tracked;
      await print(g.format === 'md' ? trackedTable(rows) : jsonOutput(g.format, id ? rows[0] : { tracked: rows }, rows));
    });

  insights
    .command('untrack')
    .description('stop tracking a pattern')
    .argument('<id>', 'the tracked pattern id (it_...)')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      await request(conn, `/v1/insights/tracked/${encodeURIComponent(id)}`, { method: 'DELETE', schema: z.null() });
      await print(g.format === 'md' ? `No longer tracking \`${id}\`.\n` : jsonOutput(g.format, { id, tracked: false }, [{ id, tracked: false }]));
    });
}
