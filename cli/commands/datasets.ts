/**
 * `loupe datasets list|get|create|add|tag|export|import`: turn traces into a versioned test
 * set from a terminal. A dataset is named by id or name, optionally at a version or tag:
 * `name@3` (version 3) or `name:prod` (the version tagged prod). Export writes the file
 * (JSONL or CSV) whatever --format says; the other commands print markdown, or the API's
 * JSON with --format json|jsonl.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { DatasetOut, Example, VersionOut } from '../../schema/wire/datasets.ts';
import { clip, table } from '../../schema/render/lists.ts';
import { request, requestRaw } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import { positiveInt } from '../query.ts';
import type { GlobalFlags } from '../flags.ts';

/** `name`, `name@3` or `name:prod` split into the dataset and the version query. */
export function parseDatasetRef(ref: string): { dataset: string; query: { version?: number; tag?: string } } {
  const at = /^(.+)@(\d+)$/.exec(ref);
  if (at) return { dataset: at[1], query: { version: Number(at[2]) } };
  const tag = /^([^:]+):(.+)$/.exec(ref);
  if (tag) return { dataset: tag[1], query: { tag: tag[2] } };
  return { dataset: ref, query: {} };
}

const path = (dataset: string, rest = '') => `/v1/datasets/${encodeURIComponent(dataset)}${rest}`;
const short = (v: unknown) => clip(v == null ? '' : JSON.stringify(v), 60);

const Page = z.object({ version: z.number(), examples: z.array(Example), next: z.string().nullable() });
const Added = z.object({ version: z.number(), examples: z.array(Example), added: z.number().optional(), skipped: z.number().optional(), more: z.boolean().optional() });
const Imported = z.object({ version: z.number(), imported: z.number(), unchanged: z.number(), error_count: z.number(), errors: z.array(z.object({ line: z.number(), field: z.string().nullable(), reason: z.string() })) });

export function examplesTable(examples: readonly Example[]): string {
  if (!examples.length) return 'No examples.';
  return table(
    ['id', 'inputs', 'outputs', 'splits', 'tags', 'source'],
    examples.map((e) => [e.id, short(e.inputs), short(e.outputs), e.splits.join(', '), e.tags.join(', '), e.source?.trace_id ?? '']),
  );
}

async function readJsonFile(file: string, flag: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${flag} ${file}: ${(err as Error).message}`, EXIT.usage);
  }
}

/** Registers the `datasets` commands. */
export function datasetsCommands(program: Command): void {
  const datasets = program.command('datasets').description('versioned datasets: examples from traces, tags, import and export');

  datasets
    .command('list')
    .description("the project's datasets with their latest versions")
    .action(async (_flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const answer = await request(await resolveConnection(g), '/v1/datasets', { schema: z.object({ datasets: z.array(DatasetOut) }) });
      if (g.format !== 'md') return print(jsonOutput(g.format, answer, answer.datasets));
      await print(answer.datasets.length ? table(['name', 'id', 'latest version', 'modified', 'description'], answer.datasets.map((d) => [d.name, d.id, d.latest_version, d.modified_at, clip(d.description, 60)])) : 'No datasets.');
    });

  datasets
    .command('get')
    .description('a dataset: its versions and tags, and its examples at a version (name@3) or tag (name:prod)')
    .argument('<dataset>', 'id or name, optionally @version or :tag')
    .option('--limit <n>', 'examples to show', positiveInt('--limit'), 20)
    .option('--split <splits>', 'only examples in these splits (comma-separated)')
    .option('--search <text>', 'only examples whose inputs, outputs or metadata contain this')
    .action(async (ref: string, flags: { limit: number; split?: string; search?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const { dataset, query } = parseDatasetRef(ref);
      const d = await request(conn, path(dataset), { schema: DatasetOut });
      const { versions } = await request(conn, path(d.id, '/versions'), { schema: z.object({ versions: z.array(VersionOut) }) });
      const page = await request(conn, path(d.id, '/examples'), { query: { ...query, limit: Math.min(flags.limit, 1000), split: flags.split, search: flags.search }, schema: Page });
      if (g.format !== 'md') return print(jsonOutput(g.format, { dataset: d, versions, ...page }, page.examples));
      const tags = versions.flatMap((v) => v.tags.map((t) => `${t}=v${v.version}`));
      await print(
        [
          `# ${d.name} (${d.id})`,
          d.description || null,
          `Latest version ${d.latest_version}${tags.length ? `; tags ${tags.join(', ')}` : ''}. Showing version ${page.version}${page.next ? `, first ${page.examples.length} examples` : `, ${page.examples.length} examples`}.`,
          '',
          '## Versions',
          versions.length ? table(['version', 'created', 'changes', 'message', 'tags'], versions.slice(0, 10).map((v) => [v.version, v.created_at, v.changes, clip(v.message, 60), v.tags.join(', ')])) : 'No versions yet.',
          '',
          `## Examples at version ${page.version}`,
          examplesTable(page.examples),
        ]
          .filter((l) => l !== null)
          .join('\n'),
      );
    });

  datasets
    .command('create')
    .description('create a dataset (names are unique in the project)')
    .argument('<name>', 'the dataset name')
    .option('--description <text>', 'what the dataset tests')
    .option('--inputs-schema <file.json>', "a JSON Schema every example's inputs must satisfy")
    .option('--outputs-schema <file.json>', "a JSON Schema every example's outputs must satisfy")
    .action(async (name: string, flags: { description?: string; inputsSchema?: string; outputsSchema?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const body = {
        name,
        ...(flags.description ? { description: flags.description } : {}),
        ...(flags.inputsSchema ? { inputs_schema: await readJsonFile(flags.inputsSchema, '--inputs-schema') } : {}),
        ...(flags.outputsSchema ? { outputs_schema: await readJsonFile(flags.outputsSchema, '--outputs-schema') } : {}),
      };
      const d = await request(await resolveConnection(g), '/v1/datasets', { body, schema: DatasetOut });
      await print(g.format === 'md' ? `Created dataset ${d.name} (${d.id}).` : JSON.stringify(d, null, g.format === 'json' ? 2 : undefined));
    });

  datasets
    .command('add')
    .description('add examples from a trace (its root span, or --span) or from every trace matching a filter; each makes one new version')
    .argument('<dataset>', 'id or name')
    .option('--from-trace <id>', "a trace: its input and output are copied into the example")
    .option('--span <id>', 'with --from-trace: this span instead of the root')
    .option('--from-filter <filter>', 'every trace matching this filter (e.g. "feedback.outcome=0 since:30d"); traces already in the dataset are skipped')
    .option('--tag <tag>', 'tag every example added (repeatable), e.g. the Insights pattern', (v: string, prev: string[] = []) => [...prev, v])
    .option('--limit <n>', 'with --from-filter: at most this many traces (the server allows 1000 per call)', positiveInt('--limit'))
    .action(async (dataset: string, flags: { fromTrace?: string; span?: string; fromFilter?: string; tag?: string[]; limit?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      if (!!flags.fromTrace === !!flags.fromFilter) throw new CliError('give one of --from-trace <id> or --from-filter "<filter>"', EXIT.usage);
      if (flags.span && !flags.fromTrace) throw new CliError('--span goes with --from-trace', EXIT.usage);
      const conn = await resolveConnection(g);
      const answer = flags.fromTrace
        ? await request(conn, path(dataset, '/examples/from-trace'), { body: { trace_id: flags.fromTrace, ...(flags.span ? { span_id: flags.span } : {}), ...(flags.tag?.length ? { example: { tags: flags.tag } } : {}) }, schema: Added })
        : await request(conn, path(dataset, '/examples/from-filter'), { body: { filter: flags.fromFilter, ...(flags.limit ? { limit: flags.limit } : {}), ...(flags.tag?.length ? { tags: flags.tag } : {}) }, schema: Added });
      if (g.format !== 'md') return print(jsonOutput(g.format, answer, answer.examples));
      const skipped = answer.skipped ? ` (${answer.skipped} already there, skipped)` : '';
      const more = answer.more ? '\nMore matching traces are not in the dataset yet: run the same command again to add the next ones.' : '';
      await print(`Added ${answer.examples.length} example${answer.examples.length === 1 ? '' : 's'}${skipped}; the dataset is at version ${answer.version}.${more}\n${answer.examples.length ? examplesTable(answer.examples) : ''}`);
    });

  datasets
    .command('tag')
    .description('point a tag (e.g. prod) at a version; moving an existing tag is allowed')
    .argument('<dataset>', 'id or name')
    .argument('<version>', 'the version number', positiveIntOrZero)
    .argument('<tag>', 'the tag')
    .action(async (dataset: string, version: number, tag: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const answer = await request(await resolveConnection(g), path(dataset, `/tags/${encodeURIComponent(tag)}`), { method: 'PUT', body: { version }, schema: z.object({ tag: z.string(), version: z.number() }) });
      await print(g.format === 'md' ? `Tagged version ${answer.version} of ${dataset} as ${answer.tag}.` : JSON.stringify(answer, null, g.format === 'json' ? 2 : undefined));
    });

  datasets
    .command('export')
    .description('write the examples at a version (name@3, name:prod; default latest) as JSONL or CSV, streamed')
    .argument('<dataset>', 'id or name, optionally @version or :tag')
    .option('--csv', 'CSV instead of JSONL')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(async (ref: string, flags: { csv?: boolean; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const { dataset, query } = parseDatasetRef(ref);
      const res = await requestRaw(await resolveConnection(g), path(dataset, '/export'), { query: { ...query, format: flags.csv ? 'csv' : 'jsonl' } });
      const body = Readable.fromWeb(res.body as never);
      if (!flags.out) return pipeline(body, process.stdout, { end: false });
      // Written beside the target and renamed, so an interrupted export never leaves half a file under the name.
      const tmp = `${flags.out}.partial`;
      try {
        await pipeline(body, createWriteStream(tmp));
        await rename(tmp, flags.out);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      process.stderr.write(`wrote version ${res.headers.get('x-dataset-version')} of ${dataset} to ${flags.out}\n`);
    });

  datasets
    .command('import')
    .description('import examples from a JSONL or CSV file (the export format) as one version; bad lines are listed and skipped')
    .argument('<dataset>', 'id or name')
    .argument('<file>', 'a .jsonl or .csv file (CSV when the name ends in .csv, or with --csv)')
    .option('--csv', 'the file is CSV')
    .action(async (dataset: string, file: string, flags: { csv?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const size = await stat(file).catch(() => {
        throw new CliError(`cannot read ${file}`, EXIT.usage);
      });
      const csv = flags.csv || /\.csv$/i.test(file);
      // Read whole: imports are small (the server takes at most 10 MB and says so with a 413).
      const res = await requestRaw(await resolveConnection(g), path(dataset, '/import'), { query: { format: csv ? 'csv' : 'jsonl' }, contentType: csv ? 'text/csv' : 'application/x-ndjson', body: await readFile(file) });
      const parsed = Imported.safeParse(await res.json());
      if (!parsed.success) throw new CliError('unexpected answer to the import; is the server a different Loupe version?', EXIT.server);
      const r = parsed.data;
      if (g.format !== 'md') return print(jsonOutput(g.format, r, r.errors));
      const lines = [`Imported ${r.imported} example${r.imported === 1 ? '' : 's'} from ${file} (${size.size} bytes); ${r.unchanged} already there unchanged; the dataset is at version ${r.version}.`];
      if (r.error_count) {
        lines.push(`${r.error_count} line${r.error_count === 1 ? '' : 's'} skipped:`);
        for (const e of r.errors) lines.push(`- line ${e.line}${e.field ? ` (${e.field})` : ''}: ${e.reason}`);
        if (r.error_count > r.errors.length) lines.push(`- … and ${r.error_count - r.errors.length} more`);
      }
      await print(lines.join('\n'));
    });
}

function positiveIntOrZero(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`<version> must be a whole number, not '${text}'`, EXIT.usage);
  return n;
}
