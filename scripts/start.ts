/**
 * `npm start`: runs Loupe locally with one command (see scripts/local.ts): local D1, R2,
 * Queues and Durable Objects persisted in .wrangler/state, an admin, an organisation, a
 * `default` project and an API key created on first start, and the tau-bench demo loaded
 * unless LOUPE_DEMO=0. PORT picks the port (default 8787). A second start keeps the data.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { repoRoot, startLoupe } from './local.ts';

/** Local secrets live in .dev.vars (git-ignored); made on first start. */
async function devVars(): Promise<Record<string, string>> {
  const path = `${repoRoot}.dev.vars`;
  let text = existsSync(path) ? await readFile(path, 'utf8') : '';
  const wanted: Record<string, () => string> = {
    SETUP_SECRET: () => randomBytes(24).toString('base64url'),
    ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  };
  for (const [name, make] of Object.entries(wanted)) {
    if (!new RegExp(`^${name}=`, 'm').test(text)) text = `${text.trimEnd()}${text.trim() ? '\n' : ''}${name}=${make()}\n`;
  }
  await writeFile(path, text);
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

async function main(): Promise<void> {
  const vars = await devVars();
  const pkg = JSON.parse(await readFile(`${repoRoot}package.json`, 'utf8')) as { scripts: Record<string, string> };
  if (pkg.scripts['build:web']) {
    const res = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
    if (res.status !== 0) throw new Error('building the review UI failed');
  }
  const loupe = await startLoupe({
    port: Number(process.env.PORT ?? 8787),
    persistTo: `${repoRoot}.wrangler/state`,
    demo: process.env.LOUPE_DEMO !== '0',
    vars,
    verbose: process.env.LOUPE_VERBOSE === '1',
    log: (line) => console.log(line),
  });
  const stop = () => void loupe.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  loupe.child.on('exit', (code) => process.exit(code ?? 1));
  console.log(`Loupe is running at ${loupe.url}`);
  console.log(`API key: ${loupe.apiKey}`);
  console.log(`Login: ${loupe.email} / ${loupe.password}`);
  console.log(`API reference: ${loupe.url}/v1/docs  (Ctrl-C stops)`);
}

main().catch((err) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
