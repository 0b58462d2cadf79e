/**
 * `npm run bench`: runs every benchmark script in bench/ (each prints its own table).
 * Speed and size targets are measured here, never by timed tests.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const dir = new URL('.', import.meta.url).pathname;
const only = process.argv.slice(2);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`\n## ${file}\n`);
  const res = spawnSync(process.execPath, [`${dir}${file}`], { stdio: 'inherit' });
  if (res.status !== 0) process.exitCode = res.status ?? 1;
}
