/** `loupe spans list`: span-level search (e.g. every failing call of one tool). */
import type { Command } from 'commander';
import { SpanList } from '../../schema/wire/trace.ts';
import type { SpanOut } from '../../schema/wire/span.ts';
import { MAX_PAGE } from '../../schema/wire/query.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { jsonOutput, print, spansTable } from '../output.ts';
import { buildListQuery, positiveInt, userFilterError, type ListFlags } from '../query.ts';
import type { GlobalFlags } from '../flags.ts';

/** Registers the `spans` commands. */
export function spansCommands(program: Command): void {
  const spans = program.command('spans').description('search spans across traces');
  spans
    .command('list')
    .description('list spans, newest first, matching a span filter (e.g. `kind=tool status=error`)')
    .argument('[filter...]', 'a filter in the Loupe filter language, applied to each span')
    .option('--since <when>', 'started at most this long ago (30m, 12h, 7d) or since this date')
    .option('--until <when>', 'started before this')
    .option('--env <environment>', 'only this environment')
    .option('--limit <n>', 'how many spans (pages through the API beyond 500)', positiveInt('--limit'), 20)
    .option('--cursor <cursor>', 'continue after a previous page (its next_cursor)')
    .action(async (words: string[], flags: ListFlags & { limit: number; cursor?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const query = buildListQuery(words, flags);
      const all: SpanOut[] = [];
      let cursor = flags.cursor;
      let next: string | null = null;
      do {
        const page = await request(conn, '/v1/spans', {
          query: { q: query.q, from: query.from, to: query.to, limit: Math.min(MAX_PAGE, flags.limit - all.length), cursor },
          schema: SpanList,
        }).catch((err) => {
          throw userFilterError(err, query);
        });
        all.push(...page.spans);
        next = page.next_cursor;
        cursor = next ?? undefined;
      } while (cursor && all.length < flags.limit);
      if (g.format !== 'md') return print(jsonOutput(g.format, { spans: all, next_cursor: next }, all));
      if (!all.length) return print(`No spans match${query.q ? ` \`${query.q}\`` : ''}.`);
      const more = next ? `\n\n_${all.length} spans shown; more match: add \`--cursor ${next}\` for the next page. \`loupe traces get <trace> --span <span>\` shows one._` : `\n\n_${all.length} span${all.length === 1 ? '' : 's'}. \`loupe traces get <trace> --span <span>\` shows one._`;
      await print(spansTable(all) + more);
    });
}
