/** `loupe stats`: dashboard figures (docs/dashboards.md) as a markdown table for agents, or the API's JSON for scripts. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { StatsModels, StatsTimeseries, STATS_SPLITS } from '../../schema/wire/stats.ts';
import { modelsMarkdown, statsMarkdown } from '../../schema/render/stats.ts';
import { FilterError, parseFilter } from '../../schema/filter/index.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

interface StatsFlags {
  since: string;
  until?: string;
  by: (typeof STATS_SPLITS)[number];
  bucket: 'hour' | 'day';
  filter: string;
  json?: boolean;
  models?: boolean;
}

export function statsCommands(program: Command): void {
  program
    .command('stats')
    .description('trace count, error rate, latency p50/p95/p99, tokens, cost and feedback/score averages per hour or day')
    .option('--since <time>', 'start: a duration back from now (7d, 24h) or a date', '7d')
    .option('--until <time>', 'end (exclusive; default now)')
    .addOption(new Option('--by <field>', 'one series per value of this field (top 10, then "(other)")').choices(STATS_SPLITS).default('none'))
    .addOption(new Option('--bucket <width>', 'bucket width (UTC)').choices(['hour', 'day']).default('day'))
    .option('--filter <filter>', 'which traces (the filter language), e.g. "env=production"', '')
    .option('--models', 'also print the per-model table (calls, tokens, cost, latency, errors)')
    .option('--json', 'print the API JSON (same as --format json)')
    .action(async (flags: StatsFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const format = flags.json ? 'json' : g.format;
      if (flags.filter.trim()) {
        // Same parser as the server: a typo is shown with a caret and costs no round trip.
        try {
          parseFilter(flags.filter);
        } catch (err) {
          if (err instanceof FilterError) throw new CliError(err.message, EXIT.usage, { q: flags.filter, position: err.position, end: err.end });
          throw err;
        }
      }
      const conn = await resolveConnection(g);
      const range = { since: flags.since, until: flags.until, filter: flags.filter || undefined };
      const series = await request(conn, '/v1/stats/timeseries', { query: { ...range, bucket: flags.bucket, split: flags.by }, schema: StatsTimeseries });
      const models = flags.models ? await request(conn, '/v1/stats/models', { query: range, schema: StatsModels }) : null;
      if (format !== 'md') {
        const whole = models ? { ...series, models: models.models } : series;
        return print(jsonOutput(format, whole, series.series));
      }
      await print(statsMarkdown(series, flags.filter) + (models ? `\n${modelsMarkdown(models)}` : ''));
    });
}
