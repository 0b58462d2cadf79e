/**
 * Finds a way to run better-sqlite3, detected rather than assumed: `npm install` compiles
 * the native module for the Node that ran it (here the system Node 20), while npm scripts
 * run the Node 22 of the `node` devDependency. If the module loads in this process, raw
 * SQLite runs in-process; otherwise a child process runs bench/lib/sqlite-host.mjs under
 * the first Node that can load it: the one running npm (`npm_node_execpath`), then any
 * other `node` on PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { delimiter } from 'node:path';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HOST = fileURLToPath(new URL('./sqlite-host.mjs', import.meta.url));

/** Where raw SQLite runs and how to talk to it. */
export interface SqliteHost {
  /** "in-process (node v22...)" or "child process (/usr/bin/node v20...)". */
  where: string;
  sqliteVersion: string;
  request<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** The candidate Node binaries other than this one, in order of preference. */
function otherNodes(): string[] {
  const self = realpathSync(process.execPath);
  const found: string[] = [];
  const add = (p: string | undefined) => {
    if (!p || !existsSync(p)) return;
    const real = realpathSync(p);
    if (real !== self && !found.includes(real)) found.push(real);
  };
  add(process.env.npm_node_execpath);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) add(`${dir}/node`);
  return found;
}

/** Starts raw SQLite in-process if better-sqlite3 loads here, else in a child under a Node that loads it. */
export async function startSqliteHost(): Promise<SqliteHost> {
  let why = '';
  try {
    const host = (await import('./sqlite-host.mjs')) as { probe(): { sqlite: string; node: string }; handle(r: Record<string, unknown>): unknown };
    const probe = host.probe();
    return {
      where: `in-process (node ${probe.node})`,
      sqliteVersion: probe.sqlite,
      request: async <T>(op: string, args: Record<string, unknown> = {}) => host.handle({ op, ...args }) as T,
      close: async () => {},
    };
  } catch (err) {
    why = (err as Error).message.split('\n').slice(0, 2).join(' ').replace(/\s+/g, ' ');
  }
  for (const node of otherNodes()) {
    const probe = spawnSync(node, [HOST], { input: '{"id":0,"op":"probe"}\n', encoding: 'utf8', timeout: 20_000 });
    const answer = probe.stdout ? JSON.parse(probe.stdout.split('\n')[0] || '{}') : {};
    if (answer.ok) return childHost(node, answer.result.sqlite, answer.result.node, why);
  }
  throw new Error(`better-sqlite3 does not load under this Node (${why}) nor under any other node on PATH; run \`npm rebuild better-sqlite3\` with the Node that runs the bench`);
}

function childHost(node: string, sqliteVersion: string, version: string, why: string): SqliteHost {
  const child = spawn(node, [HOST], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 1;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const answer = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
    const p = pending.get(answer.id);
    pending.delete(answer.id);
    if (answer.ok) p?.resolve(answer.result);
    else p?.reject(new Error(answer.error));
  });
  child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('the SQLite child process exited'));
  });
  return {
    where: `child process (${node}, node ${version}; in-process load failed: ${why})`,
    sqliteVersion,
    request: <T>(op: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}
