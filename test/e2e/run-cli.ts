/** Runs the `loupe` CLI as a separate process, as a person or a coding agent would. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository's bin shim (runs cli/main.ts on Node 22, the bundle elsewhere). */
export const LOUPE_BIN = new URL('../../cli/bin/loupe.js', import.meta.url).pathname;

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An environment without the caller's Loupe settings and with its own config folder. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, LOUPE_URL: undefined, LOUPE_API_KEY: undefined, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'loupe-cli-config-')) };
  return { ...env, ...extra };
}

/** Runs `loupe <args>` (or `node <nodeArgs> bin <args>`) and collects its output. */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; nodeArgs?: string[]; input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(opts.env ?? cleanEnv()).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), LOUPE_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
