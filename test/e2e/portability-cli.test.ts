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

  it('export --via-r2 follows an export job to its file in R2 and writes the same records as a plain export', async () => {
    const owner = await loginOverHttp(loupe.url, loupe.email, loupe.password);
    const project = await owner.call('/v1/projects', { body: { name: `r2-export-${Date.now()}` } });
    expect(project.status).toBe(201);
    const key = await owner.call('/v1/api-keys', { body: { name: 'export', scopes: ['read', 'ingest', 'admin'] }, project: project.json.id });
    const spans = Array.from({ length: 20 }, (_, i) => ({ id: `r2-${i}`, trace_id: `r2-trace-${i % 4}`, name: 'step', kind: 'llm', start_time: new Date().toISOString(), input: `question ${i}`, output: `answer ${i}` }));
    const posted = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${key.json.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    expect(posted.status).toBe(202);
    await until(async () => ((await get(key.json.key, '/v1/traces')).json.traces.length === 4 ? true : undefined), 30_000);

    const dir = mkdtempSync(join(tmpdir(), 'loupe-export-r2-'));
    const cliEnv = cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: key.json.key });
    // The cron fires every minute locally; the test fires it itself so it need not wait.
    let running = true;
    const ticking = (async () => {
      while (running) {
        await fetch(`${loupe.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const viaR2 = await runCli(['export', '--via-r2', '--out', join(dir, 'r2.jsonl')], { env: cliEnv });
    running = false;
    await ticking;
    expect(viaR2.stderr).toMatch(/export job exp_\w+ queued/);
    expect(viaR2.code).toBe(0);
    const plain = await runCli(['export', '--out', join(dir, 'plain.jsonl')], { env: cliEnv });
    expect(plain.code).toBe(0);
    const body = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1);
    expect(body('r2.jsonl')).toEqual(body('plain.jsonl'));
    expect(body('r2.jsonl').filter((l) => l.startsWith('{"type":"span"'))).toHaveLength(20);
  });
});
