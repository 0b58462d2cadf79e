/**
 * Builds the review UI, starts one real local Loupe (`wrangler dev`, fresh state, tau-bench
 * demo loaded) for all end-to-end tests, and hands its URL and credentials to them via
 * `inject('loupe')`.
 */
import type { TestProject } from 'vitest/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, startLoupe, type LocalLoupe } from '../../scripts/local.ts';

/** What e2e tests receive from `inject('loupe')`. */
export interface E2ELoupe {
  url: string;
  apiKey: string;
  email: string;
  password: string;
  projectId: string;
  setupSecret: string;
  /** Where the instance keeps its local D1/R2 state (for tests that age a session in D1). */
  persistTo: string;
  /**
   * The wrangler dev registry this instance registered in: private to this run, so a local
   * Pages site (`wrangler pages dev`) binds to this Worker and not to another `loupe`
   * running on the same machine.
   */
  registryPath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    loupe: E2ELoupe;
  }
}

let loupe: LocalLoupe | undefined;
let dir: string | undefined;

export async function setup(project: TestProject) {
  // The browser tests need web/dist; wrangler's [build] would also run it, but say it here.
  const build = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('building the review UI failed');
  dir = await mkdtemp(join(tmpdir(), 'loupe-e2e-'));
  const registryPath = join(dir, 'dev-registry');
  const setupSecret = 'e2e-setup-secret';
  loupe = await startLoupe({
    port: 0,
    persistTo: dir,
    demo: true,
    vars: { SETUP_SECRET: setupSecret, ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') },
    verbose: process.env.LOUPE_VERBOSE === '1',
    env: { WRANGLER_REGISTRY_PATH: registryPath },
  });
  project.provide('loupe', { url: loupe.url, apiKey: loupe.apiKey, email: loupe.email, password: loupe.password, projectId: loupe.projectId, setupSecret, persistTo: dir, registryPath });
}

export async function teardown() {
  await loupe?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
