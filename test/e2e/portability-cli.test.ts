/**
 * `loupe export` and `loupe import` as processes against the real local Loupe (wrangler dev,
 * the tau-bench demo): the demo project exported to a file and imported into a new project
 * ends with the same traces, spans and payloads; a wrong --project is refused.
 */
import { describe, it, expect, inject } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from './run-cli.ts';
import { loginOverHttp } from './browser.ts';
import { until } from './api.ts';

const loupe = inject('loupe');

async function get(key: string, path: string) {
  const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, json: (await res.json()) as any };
}

describe('loupe export and loupe import', () => {
  it('the demo project exported with the CLI and imported into a new project has the same traces, spans and payloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-export-'));
    const file = join(dir, 'demo.jsonl');
    const out = await runCli(['export', '--out', file], { env: cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey }) });
    expect(out.stderr).toMatch(/^wrote \d+ bytes to /);
    expect(out.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ type: 'loupe_export', project: { id: loupe.projectId } });
    expect(JSON.parse(lines.at(-1)!)).toEqual({ type: 'end', records: lines.length - 1 });

    const owner = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const name = `restored-${Date.now()}`;
    const project = await owner.call('/v1/projects', { body: { name } });
    expect(project.status).toBe(201);
    const key = await owner.call('/v1/api-keys', { body: { name: 'import', scopes: ['read', 'ingest', 'admin'] }, project: project.json.id });
    expect(key.status).toBe(201);
    const importEnv = cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: key.json.key });

    const wrong = await runCli(['import', file, '--project', 'not-this-one'], { env: importEnv });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`belongs to project '${name}'`);

    const run = await runCli(['import', file, '--project', name], { env: importEnv });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Imported .* into ${name}: \\d+ rows and \\d+ spans`));

    const source = await get(loupe.apiKey, '/v1/traces/taubench-airline-0-1');
    const restored = await until(async () => {
      const r = await get(key.json.key, '/v1/traces/taubench-airline-0-1');
      return r.status === 200 && r.json.spans.length === source.json.spans.length ? r : undefined;
    }, 30_000);
    expect(restored.json.spans).toEqual(source.json.spans);
    await until(async () => {
      const r = await get(key.json.key, '/v1/traces?limit=500&q=tag%3Dtau-bench');
      return r.json.traces.length === 200 ? true : undefined;
    }, 30_000);
  });
});
