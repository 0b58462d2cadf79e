/**
 * The SQLite file behind local D1 in a `wrangler dev --persist-to` directory, so benchmarks
 * can watch progress and inspect query plans read-only without going through the Worker.
 * Local D1 keeps its file in WAL mode, so a read-only reader never blocks the Worker's writes.
 */
import { readdirSync } from 'node:fs';

/** Path of the local D1 database file under `persistTo` (the one non-metadata .sqlite file). */
export function localD1File(persistTo: string): string {
  const dir = `${persistTo}/v3/d1/miniflare-D1DatabaseObject`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database file in ${dir}, found ${files.length}: ${files.join(', ')}`);
  return `${dir}/${files[0]}`;
}
