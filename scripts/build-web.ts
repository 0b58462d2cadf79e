/**
 * `npm run build:web`: builds the review UI (web/) into web/dist with Vite. Skips the build
 * when web/dist is newer than every source it depends on (web/, schema/, package-lock.json, this script),
 * because wrangler runs this before every `wrangler dev` and `wrangler deploy` ([build] in
 * wrangler.toml) and `npm start` runs it too. `--force` always builds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './local.ts';

const dist = join(repoRoot, 'web/dist/index.html');
const sources = ['web/src', 'web/index.html', 'web/public', 'web/vite.config.ts', 'schema', 'package-lock.json', 'scripts/build-web.ts'].map((p) => join(repoRoot, p));

/** The newest modification time under `path` (a file or a folder tree). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** True when web/dist is missing or older than a source. */
export function webBuildIsStale(): boolean {
  if (!existsSync(dist)) return true;
  const built = statSync(dist).mtimeMs;
  return sources.some((s) => newest(s) > built);
}

if (process.argv.includes('--force') || webBuildIsStale()) {
  // NODE_ENV=production always: Vite keeps an inherited NODE_ENV, and vitest (whose e2e
  // setup runs this) sets it to "test", which builds React's development JSX runtime:
  // ~5x the script time per render. Since a fresh build is reused, that would also be what
  // `npm start`, the benchmarks and a deploy serve.
  const res = spawnSync(join(repoRoot, 'node_modules/.bin/vite'), ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
