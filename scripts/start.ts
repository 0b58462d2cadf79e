/**
 * `npm start`: runs Loupe locally with one command. Applies D1 migrations, starts
 * `wrangler dev` (local D1, R2, Queues and Durable Objects persisted in .wrangler/state),
 * bootstraps an admin, an organisation, a `default` project and an API key on first
 * start, loads the tau-bench demo (unless LOUPE_DEMO=0), and prints where it runs.
 * A second start keeps the data and prints the same key.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { loadDemo } from './demo/load.ts';

const root = new URL('..', import.meta.url).pathname;
const port = Number(process.env.PORT ?? 8787);
const baseUrl = `http://127.0.0.1:${port}`;
const stateDir = `${root}.wrangler/state`;
const localFile = `${stateDir}/loupe-local.json`;
const wrangler = `${root}node_modules/.bin/wrangler`;
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };

interface LocalState {
  email: string;
  password: string;
  api_key: string;
  project_id: string;
  demo_loaded?: boolean;
}

/** Makes sure .dev.vars holds the local secrets (never committed; see .dev.vars.example). */
async function ensureDevVars(): Promise<void> {
  const path = `${root}.dev.vars`;
  const text = existsSync(path) ? await readFile(path, 'utf8') : '';
  const lines = [text.trimEnd()].filter(Boolean);
  const wanted: Record<string, () => string> = {
    SETUP_SECRET: () => randomBytes(24).toString('base64url'),
    ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  };
  let changed = false;
  for (const [name, make] of Object.entries(wanted)) {
    if (!new RegExp(`^${name}=`, 'm').test(text)) {
      lines.push(`${name}=${make()}`);
      changed = true;
    }
  }
  if (changed) await writeFile(path, lines.join('\n') + '\n');
}

async function devVar(name: string): Promise<string> {
  const text = await readFile(`${root}.dev.vars`, 'utf8');
  return new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
}

function run(args: string[]): void {
  const res = spawnSync(wrangler, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error(`wrangler ${args.join(' ')} failed`);
  }
}

async function waitForHealth(child: ReturnType<typeof spawn>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('wrangler dev exited during start-up');
    try {
      const res = await fetch(`${baseUrl}/v1/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Loupe did not answer on ${baseUrl} within 120 s`);
}

/** First start: create the admin, org, project and key. Later starts: reuse them. */
async function ensureSetUp(): Promise<LocalState> {
  if (existsSync(localFile)) {
    const state = JSON.parse(await readFile(localFile, 'utf8')) as LocalState;
    const res = await fetch(`${baseUrl}/v1/project`, { headers: { authorization: `Bearer ${state.api_key}` } });
    if (res.ok) return state;
  }
  const password = randomBytes(12).toString('base64url');
  const email = 'admin@loupe.local';
  const res = await fetch(`${baseUrl}/v1/setup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await devVar('SETUP_SECRET')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, org_name: 'Local', project_name: 'default' }),
  });
  if (res.status === 409) {
    throw new Error(`this local instance was set up before but ${localFile} is missing; delete .wrangler/state to start afresh`);
  }
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { api_key: string; project: { id: string } };
  const state: LocalState = { email, password, api_key: created.api_key, project_id: created.project.id };
  await mkdir(stateDir, { recursive: true });
  await writeFile(localFile, JSON.stringify(state, null, 2));
  return state;
}

async function main(): Promise<void> {
  await ensureDevVars();
  if (existsSync(`${root}web/package.json`) || existsSync(`${root}web/vite.config.ts`)) {
    const res = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, env, stdio: 'inherit' });
    if (res.status !== 0) throw new Error('building the review UI failed');
  }
  run(['d1', 'migrations', 'apply', 'DB', '--local']);
  const child = spawn(wrangler, ['dev', '--port', String(port), '--ip', '127.0.0.1', '--show-interactive-dev-session=false'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const verbose = process.env.LOUPE_VERBOSE === '1';
  child.stdout?.on('data', (d) => verbose && process.stdout.write(d));
  child.stderr?.on('data', (d) => {
    const text = String(d);
    // wrangler's offline warning about Request.cf is harmless; show real errors.
    if (verbose || (/error/i.test(text) && !/Request\.cf|cf\.json/.test(text))) process.stderr.write(d);
  });
  const stop = () => child.kill('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));

  await waitForHealth(child);
  const state = await ensureSetUp();
  if (process.env.LOUPE_DEMO !== '0' && !state.demo_loaded) {
    await loadDemo(baseUrl, state.api_key, { log: (l) => console.log(l) });
    state.demo_loaded = true;
    await writeFile(localFile, JSON.stringify(state, null, 2));
  }
  console.log(`Loupe is running at ${baseUrl}`);
  console.log(`API key: ${state.api_key}`);
  console.log(`Login: ${state.email} / ${state.password}`);
  console.log(`API reference: ${baseUrl}/v1/docs  (Ctrl-C stops)`);
}

main().catch((err) => {
  console.error(`npm start failed: ${err.message}`);
  process.exit(1);
});
