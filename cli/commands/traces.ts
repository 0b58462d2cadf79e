/** `loupe traces list|get|export` (and `delete`, `deletion`: traces-delete.ts). */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { TraceList, TraceTree, type TraceOut } from '../../schema/wire/trace.ts';
import { MAX_PAGE } from '../../schema/wire/query.ts';
import { renderTrace } from '../../schema/render/trajectory.ts';
import { request } from '../client.ts';
import { resolveConnection, type Connection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print, tracesTable } from '../output.ts';
import { buildListQuery, positiveInt, userFilterError, type ListFlags, type ListQuery } from '../query.ts';
import type { GlobalFlags } from '../flags.ts';
import { traceDeletionCommands } from './traces-delete.ts';

interface TraceListFlags extends ListFlags {
  limit: number;
  sort?: string;
  order?: string;
  cursor?: string;
}

const SORTS = ['start_time', 'latency', 'tokens', 'cost', 'spans'];

/** Pages through GET /v1/traces, yielding each page until `limit` traces or the end. */
async function* tracePages(conn: Connection, query: ListQuery, flags: { limit?: number; sort?: string; order?: string; cursor?: string }) {
  let cursor = flags.cursor;
  let left = flags.limit ?? Infinity;
  do {
    const page = await request(conn, '/v1/traces', {
      query: { q: query.q, from: query.from, to: query.to, limit: Math.min(MAX_PAGE, left), sort: flags.sort, order: flags.order, cursor },
      schema: TraceList,
    }).catch((err) => {
      throw userFilterError(err, query);
    });
    left -= page.traces.length;
    cursor = page.next_cursor ?? undefined;
    yield page;
  } while (cursor && left > 0);
}

/** Registers the `traces` commands. */
export function tracesCommands(program: Command): void {
  const traces = program.command('traces').description('find, read, export and delete traces');
  traceDeletionCommands(traces);

  traces
    .command('list')
    .description('list traces, newest first, matching a filter (e.g. `feedback.outcome=0 since:7d`)')
    .argument('[filter...]', 'a filter in the Loupe filter language (docs/filter-language.md); quote it or pass it as words')
    .option('--since <when>', 'started at most this long ago (30m, 12h, 7d) or since this date (2026-01-31)')
    .option('--until <when>', 'started before this (same forms as --since)')
    .option('--env <environment>', 'only this environment')
    .option('--limit <n>', 'how many traces (pages through the API beyond 500)', positiveInt('--limit'), 20)
    .option('--sort <field>', `order by ${SORTS.join(', ')}`)
    .option('--order <dir>', 'desc (default) or asc')
    .option('--cursor <cursor>', 'continue after a previous page (its next_cursor)')
    .action(async (words: string[], flags: TraceListFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      if (flags.sort && !SORTS.includes(flags.sort)) throw new CliError(`--sort must be one of ${SORTS.join(', ')}`, EXIT.usage);
      if (flags.order && !['asc', 'desc'].includes(flags.order)) throw new CliError('--order must be asc or desc', EXIT.usage);
      const conn = await resolveConnection(g);
      const query = buildListQuery(words, flags);
      const all: TraceOut[] = [];
      let next: string | null = null;
      for await (const page of tracePages(conn, query, flags)) {
        all.push(...page.traces);
        next = page.next_cursor;
      }
      if (g.format !== 'md') return print(jsonOutput(g.format, { traces: all, next_cursor: next }, all));
      if (!all.length) return print(`No traces match${query.q ? ` \`${query.q}\`` : ''}.`);
      const more = next ? `\n\n_${all.length} traces shown; more match: add \`--cursor ${next}\` for the next page._` : `\n\n_${all.length} trace${all.length === 1 ? '' : 's'}._`;
      await print(tracesTable(all) + more);
    });

  traces
    .command('get')
    .description('show one trace as a compact trajectory (md) or its full data (json)')
    .argument('<trace-id>', 'the trace id')
    .option('--span <span-id>', 'only this span and its descendants')
    .option('--full', 'show every value whole instead of cutting long ones at 600 characters')
    .option('--max-tokens <n>', 'keep the markdown within this many tokens (estimated as characters ÷ 4)', positiveInt('--max-tokens'))
    .action(async (id: string, flags: { span?: string; full?: boolean; maxTokens?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const tree = await request(conn, `/v1/traces/${encodeURIComponent(id)}`, { schema: TraceTree });
      if (flags.span && !tree.spans.some((s) => s.id === flags.span)) {
        throw new CliError(`span '${flags.span}' is not in trace '${id}'`, EXIT.notFoundOrAuth);
      }
      if (g.format === 'md') return print(renderTrace(tree, { spanId: flags.span, full: flags.full, maxTokens: flags.maxTokens }));
      // With --span, the same shape holding only that span's subtree.
      const data = flags.span ? { ...tree, spans: subtree(tree, flags.span) } : tree;
      await print(jsonOutput(g.format, data, [data]));
    });

  traces
    .command('export')
    .description('write every trace matching a filter as JSON lines (one trace per line), page by page')
    .argument('[filter...]', 'a filter in the Loupe filter language')
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--since <when>', 'started at most this long ago (30m, 12h, 7d) or since this date')
    .option('--until <when>', 'started before this')
    .option('--env <environment>', 'only this environment')
    .option('--limit <n>', 'stop after this many traces', positiveInt('--limit'))
    .option('--with-spans', 'write each whole trace (GET /v1/traces/:id: spans with full inputs/outputs, feedback) instead of the list rows')
    .action(async (words: string[], flags: ListFlags & { out?: string; limit?: number; withSpans?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const query = buildListQuery(words, flags);
      const toFile = flags.out && flags.out !== '-';
      // Written beside the target and renamed at the end, so a failed export leaves no half file.
      const tmp = toFile ? `${flags.out}.partial` : null;
      const out = tmp ? createWriteStream(tmp) : process.stdout;
      const bar = process.stderr.isTTY && toFile ? new SingleBar({ format: 'exporting {bar} {value} traces | {duration_formatted}', hideCursor: true, clearOnComplete: false, stream: process.stderr }) : null;
      let count = 0;
      const write = async (line: string) => {
        if (!out.write(line + '\n')) await once(out, 'drain');
      };
      try {
        bar?.start(flags.limit ?? MAX_PAGE, 0);
        for await (const page of tracePages(conn, query, { limit: flags.limit })) {
          // The API does not count matches; the bar's total runs a page ahead until the last page.
          const known = count + page.traces.length;
          bar?.setTotal(flags.limit ?? (page.next_cursor ? known + MAX_PAGE : known));
          if (flags.withSpans) {
            // A few trees at a time: the Worker serves each from D1 + R2 range reads.
            for (let i = 0; i < page.traces.length; i += 4) {
              const trees = await Promise.all(page.traces.slice(i, i + 4).map((t) => request(conn, `/v1/traces/${encodeURIComponent(t.id)}`, { schema: TraceTree })));
              for (const tree of trees) await write(JSON.stringify(tree));
              count += trees.length;
              bar?.update(count);
            }
          } else {
            for (const t of page.traces) await write(JSON.stringify(t));
            count += page.traces.length;
          }
          bar?.update(count);
        }
        if (tmp) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'close');
          await rename(tmp, flags.out!);
        }
      } catch (err) {
        if (tmp) {
          (out as ReturnType<typeof createWriteStream>).destroy();
          await rm(tmp, { force: true });
        }
        throw err;
      } finally {
        bar?.stop();
      }
      process.stderr.write(`Exported ${count} trace${count === 1 ? '' : 's'}${toFile ? ` to ${flags.out}` : ''}.\n`);
    });
}

/** A span and its descendants, in tree order. */
function subtree(tree: TraceTree, spanId: string) {
  const wanted = new Set([spanId]);
  return tree.spans.filter((s) => {
    if (s.id === spanId || (s.parent_id && wanted.has(s.parent_id))) {
      wanted.add(s.id);
      return true;
    }
    return false;
  });
}
