/**
 * Runs a local Loupe: applies D1 migrations, starts `wrangler dev` (workerd with local D1,
 * R2, Queues and Durable Objects persisted under `persistTo`), bootstraps the admin, org,
 * `default` project and API key on first start, and loads the demo on request.
 * Used by `npm start` (scripts/start.ts), the end-to-end tests and the benchmarks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { loadDemo } from './demo/load.ts';

/** The repository root. */
export const repoRoot = new URL('..', import.meta.url).pathname;
const wrangler = `${repoRoot}node_modules/.bin/wrangler`;

/** Options for a local instance. */
export interface LocalOptions {
  /** 0 picks a free port. */
  port: number;
  /** Where local D1/R2/Queue/DO state lives. */
  persistTo: string;
  /** Load the tau-bench demo on first start. */
  demo: boolean;
  /** Extra [vars]/secrets for the Worker (`--var NAME:value`). SETUP_SECRET is required. */
  vars: Record<string, string>;
  /** Extra environment for wrangler (e.g. WRANGLER_REGISTRY_PATH to keep its dev registry private). */
  env?: Record<string, string>;
  /** Echo wrangler's output. */
  verbose?: boolean;
  log?: (line: string) => void;
  /** The Worker's DevTools inspector port (bench/profile-worker.ts attaches a CPU profiler); default: any free port. */
  inspectorPort?: number;
  /** Run wrangler in its own process group, so `process.kill(-child.pid)` reaches workerd too (the crash soak kills it that way). */
  detached?: boolean;
}

/** A running local instance and the credentials it was set up with. */
export interface LocalLoupe {
  url: string;
  port: number;
  apiKey: string;
  email: string;
  password: string;
  projectId: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

interface LocalState {
  email: string;
  password: string;
  api_key: string;
  project_id: string;
  demo_loaded?: boolean;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const processEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: 'false' });

/** Runs a wrangler command to completion (migrations); throws with its output on failure. */
export function wranglerSync(args: string[]): void {
  const res = spawnSync(wrangler, args, { cwd: repoRoot, env: processEnv(), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  url: string;
  port: number;
  child: ChildProcess;
  /** Its last 20,000 characters of output (for errors). */
  output(): string;
  /** SIGINT, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev [args]` on 127.0.0.1 (port 0 = any free port) and resolves once
 * `healthPath` answers 200; stops it and throws with its output if it exits or has not
 * answered within 120 s.
 */
export async function startWranglerDev(opts: { args: string[]; port: number; healthPath: string; env?: Record<string, string>; verbose?: boolean; inspectorPort?: number; detached?: boolean }): Promise<WranglerDev> {
  const port = opts.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const args = ['dev', ...opts.args, '--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(opts.inspectorPort || (await freePort())), '--show-interactive-dev-session=false'];
  const child = spawn(wrangler, args, { cwd: repoRoot, env: { ...processEnv(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: !!opts.detached });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
    if (opts.verbose) process.stderr.write(d);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited during start-up:\n${output}`);
      try {
        if ((await fetch(`${url}${opts.healthPath}`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${url} within 120 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, child, output: () => output, stop };
}

/** First start: create admin, org, project and key. Later starts: reuse the saved ones. */
async function ensureSetUp(url: string, persistTo: string, setupSecret: string): Promise<LocalState> {
  const file = `${persistTo}/loupe-local.json`;
  if (existsSync(file)) {
    const state = JSON.parse(await readFile(file, 'utf8')) as LocalState;
    if ((await fetch(`${url}/v1/project`, { headers: { authorization: `Bearer ${state.api_key}` } })).ok) return state;
  }
  const email = 'admin@loupe.local';
  const password = randomBytes(12).toString('base64url');
  const res = await fetch(`${url}/v1/setup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${setupSecret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, org_name: 'Local', project_name: 'default' }),
  });
  if (res.status === 409) throw new Error(`this local instance was set up before but ${file} is missing; delete ${persistTo} to start afresh`);
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  const created = (await res.json()) as { api_key: string; project: { id: string } };
  const state: LocalState = { email, password, api_key: created.api_key, project_id: created.project.id };
  await mkdir(persistTo, { recursive: true });
  await writeFile(file, JSON.stringify(state, null, 2));
  return state;
}

/**
 * `wrangler dev` does not fire Cron Triggers on its own (deployed, Cloudflare does), but
 * Miniflare serves the scheduled handler at /cdn-cgi/local/scheduled: call it on the
 * wrangler.toml timetable, every minute (the ingest sweeper) and on the hour (scheduled
 * Insights reports), and once right away so a restart after a crash starts recovering at
 * once. Returns the function that stops the timer.
 */
export function startLocalCron(url: string, log?: (line: string) => void): () => void {
  const fire = async (cron: string) => {
    try {
      const res = await fetch(`${url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}`);
      if (!res.ok) log?.(`local cron "${cron}": ${res.status} ${await res.text()}`);
    } catch {
      // wrangler dev is stopping or restarting; the next tick tries again
    }
  };
  const tick = () => {
    void fire('* * * * *');
    if (new Date().getUTCMinutes() === 0) void fire('0 * * * *');
  };
  tick();
  const timer = setInterval(tick, 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The binding of every [[d1_databases]] block in wrangler.toml: `DB` and the other shards. */
export async function d1Bindings(): Promise<string[]> {
  const toml = await readFile(`${repoRoot}wrangler.toml`, 'utf8');
  return [...toml.matchAll(/^\s*binding\s*=\s*"([^"]+)"\s*\n\s*database_name\s*=/gm)].map((m) => m[1]);
}

/** Starts a local Loupe and resolves once it answers, is set up and (if asked) holds the demo. */
export async function startLoupe(opts: LocalOptions): Promise<LocalLoupe> {
  const setupSecret = opts.vars.SETUP_SECRET;
  if (!setupSecret) throw new Error('startLoupe needs vars.SETUP_SECRET');
  await mkdir(opts.persistTo, { recursive: true });
  // Every D1 shard holds the full schema (docs/shards.md): one migration set, applied to each.
  for (const shard of await d1Bindings()) wranglerSync(['d1', 'migrations', 'apply', shard, '--local', '--persist-to', opts.persistTo]);
  // --local: bindings without a local simulator (the AI binding) stay unconnected instead of
  // asking for a Cloudflare login; everything else is local anyway.
  const args = ['--local', '--persist-to', opts.persistTo];
  for (const [name, value] of Object.entries(opts.vars)) args.push('--var', `${name}:${value}`);
  const dev = await startWranglerDev({ args, port: opts.port, healthPath: '/v1/health', env: opts.env, verbose: opts.verbose, inspectorPort: opts.inspectorPort, detached: opts.detached });
  const { url, port, child } = dev;
  const stopCron = startLocalCron(url, opts.log);
  const stop = async () => {
    stopCron();
    await dev.stop();
  };
  try {
    const state = await ensureSetUp(url, opts.persistTo, setupSecret);
    if (opts.demo && !state.demo_loaded) {
      await loadDemo(url, state.api_key, { log: opts.log });
      state.demo_loaded = true;
      await writeFile(`${opts.persistTo}/loupe-local.json`, JSON.stringify(state, null, 2));
    }
    return { url, port, apiKey: state.api_key, email: state.email, password: state.password, projectId: state.project_id, child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
