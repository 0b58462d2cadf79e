/**
 * `loupe export --out <file.jsonl>` and `loupe import <file.jsonl> --project <name>`: a whole
 * project as JSONL (GET /v1/export) and back (POST /v1/import). See docs/export-import.md.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { request, requestRaw } from '../client.ts';
import { resolveConnection, type Connection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

/** Bytes per import request: Workers accept request bodies up to 100 MB (Free and Pro plans); a part stays well below. */
const PART_BYTES = 32 * 1024 * 1024;

const ImportResult = z.object({
  lines: z.number(),
  rows: z.number(),
  spans: z.number(),
  batches: z.number(),
  skipped: z.number(),
  errors: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string() })),
  errors_truncated: z.boolean(),
});
type ImportResult = z.infer<typeof ImportResult>;

/** True when the file's last line is the export's `end` record (so the download was not cut off). */
async function endsWhole(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 4096);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const last = buf.toString('utf8').trimEnd().split('\n').pop() ?? '';
    return /^\{"type":"end"/.test(last);
  } finally {
    await handle.close();
  }
}

async function sendPart(conn: Connection, project: string, lines: string[], firstLine: number): Promise<ImportResult> {
  const res = await requestRaw(conn, '/v1/import', { query: { first_line: firstLine, project }, contentType: 'application/x-ndjson', body: lines.join('\n') + '\n' });
  const parsed = ImportResult.safeParse(await res.json());
  if (!parsed.success) throw new CliError('unexpected answer to the import; is the server a different Loupe version?', EXIT.server);
  return parsed.data;
}

const ExportJob = z.object({ id: z.string(), status: z.string(), records: z.number(), bytes: z.number(), error: z.string().nullable(), download: z.string().nullable() });
/** How often --via-r2 asks for the job's status (the cron steps it once a minute). */
const POLL_MS = 5_000;

/** Starts an export job, follows it (progress on stderr) and returns its file's path once done. */
async function exportJobFile(conn: Connection): Promise<string> {
  let job = await request(conn, '/v1/exports', { method: 'POST', body: {}, schema: ExportJob });
  process.stderr.write(`export job ${job.id} queued; Loupe's cron writes it to R2 in parts, every minute\n`);
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, POLL_MS));
    job = await request(conn, `/v1/exports/${encodeURIComponent(job.id)}`, { schema: ExportJob });
    if (process.stderr.isTTY) process.stderr.write(`${job.status}: ${job.records} records, ${job.bytes} bytes so far\n`);
  }
  if (job.status !== 'done' || !job.download) throw new CliError(`export job ${job.id} ended ${job.status}${job.error ? `: ${job.error}` : ''}`, EXIT.server);
  return job.download;
}

/** Registers `export` and `import`. */
export function portabilityCommands(program: Command): void {
  program
    .command('export')
    .description("export the key's whole project as JSONL: traces with payloads, feedback, evaluators, rules, datasets, experiments, settings (never secrets)")
    .option('--out <file>', 'write to this file (else standard output)')
    .option('--via-r2', 'for large projects: Loupe writes the export to R2 as a job (the every-minute cron, in parts), then it is downloaded; a plain export must finish within one request')
    .action(async (flags: { out?: string; viaR2?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const res = flags.viaR2 ? await requestRaw(conn, await exportJobFile(conn), {}) : await requestRaw(conn, '/v1/export', {});
      const body = Readable.fromWeb(res.body as never);
      if (!flags.out) return pipeline(body, process.stdout, { end: false });
      // Written beside the target and renamed, so an interrupted export never leaves half a file under the name.
      const tmp = `${flags.out}.partial`;
      try {
        await pipeline(body, createWriteStream(tmp));
        if (!(await endsWhole(tmp))) throw new CliError('the export was cut off before its end record; run it again', EXIT.server);
        await rename(tmp, flags.out);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      process.stderr.write(`wrote ${(await stat(flags.out)).size} bytes to ${flags.out}\n`);
    });

  program
    .command('import')
    .description("import a `loupe export` file into the key's project (meant for a new, empty one); bad lines are listed and skipped; running it again adds nothing")
    .argument('<file>', 'a .jsonl file made by `loupe export`')
    .requiredOption('--project <name>', "the key's project, by name: a guard against importing into the wrong one")
    .action(async (file: string, flags: { project: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      await stat(file).catch(() => {
        throw new CliError(`cannot read ${file}`, EXIT.usage);
      });
      const conn = await resolveConnection(g);
      const total: ImportResult = { lines: 0, rows: 0, spans: 0, batches: 0, skipped: 0, errors: [], errors_truncated: false };
      const add = (r: ImportResult) => {
        for (const k of ['lines', 'rows', 'spans', 'batches', 'skipped'] as const) total[k] += r[k];
        total.errors.push(...r.errors);
        total.errors_truncated ||= r.errors_truncated;
      };
      // Sent in parts at line boundaries (bounded memory here, bounded bodies there); the same file always splits the same way, so a retry is idempotent.
      let part: string[] = [];
      let bytes = 0;
      let firstLine = 1;
      let n = 0;
      for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
        n++;
        if (bytes + line.length > PART_BYTES && part.length) {
          add(await sendPart(conn, flags.project, part, firstLine));
          if (process.stderr.isTTY) process.stderr.write(`${n - 1} lines sent\n`);
          part = [];
          bytes = 0;
          firstLine = n;
        }
        part.push(line);
        bytes += line.length + 1;
      }
      if (part.length) add(await sendPart(conn, flags.project, part, firstLine));
      if (g.format !== 'md') return print(jsonOutput(g.format, total, total.errors));
      const out = [`Imported ${file} into ${flags.project}: ${total.rows} rows and ${total.spans} spans (${total.batches} R2 batches, indexed within seconds) from ${total.lines} lines.`];
      if (total.skipped) {
        out.push(`${total.skipped} line${total.skipped === 1 ? '' : 's'} skipped:`);
        for (const e of total.errors) out.push(`- line ${e.line}${e.field ? ` (${e.field})` : ''}: ${e.reason}`);
        if (total.errors_truncated) out.push('- … and more (only the first 1,000 per part are listed)');
      }
      await print(out.join('\n'));
      // Good lines are stored; the exit code still tells a script that some were not.
      if (total.skipped) throw new CliError(`${total.skipped} line${total.skipped === 1 ? '' : 's'} of ${file} skipped (listed above)`, EXIT.usage);
    });
}
