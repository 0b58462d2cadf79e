/**
 * `loupe datasets ...` as a process against a real local Loupe (wrangler dev, demo loaded):
 * create, add from a trace and from a filter, tag, get at a tag, export to JSONL and CSV
 * and import those files into another dataset unchanged; bad lines and unknown datasets.
 */
import { describe, it, expect, inject } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from './run-cli.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });
const cli = (...args: string[]) => runCli(args, { env: env() });
const api = async (path: string) => (await (await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json()) as any;

const suffix = crypto.randomUUID().slice(0, 8);
const name = `cli-ds-${suffix}`;
const copy = `cli-ds-copy-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'loupe-ds-cli-'));
const strip = (e: any) => ({ id: e.id, inputs: e.inputs, outputs: e.outputs, criteria: e.criteria, expected_trajectory: e.expected_trajectory, metadata: e.metadata, tags: e.tags, splits: e.splits, source: e.source });

describe('loupe datasets', () => {
  it('creates a dataset, adds a trace and a filter, tags a version and reads it back', async () => {
    const created = await cli('datasets', 'create', name, '--description', 'demo failures');
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain(`Created dataset ${name}`);

    const traces = await api('/v1/traces?limit=3');
    const first = traces.traces[0].id as string;
    const one = await cli('datasets', 'add', name, '--from-trace', first);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Added 1 example; the dataset is at version 1.');
    expect(one.stdout).toContain(first);

    const many = await cli('--format', 'json', 'datasets', 'add', name, '--from-filter', `trace in ("${traces.traces[1].id}", "${traces.traces[2].id}", "${first}")`, '--tag', 'from-cli');
    expect(many.code).toBe(0);
    const added = JSON.parse(many.stdout);
    expect(added).toMatchObject({ version: 2, added: 2, skipped: 1 });
    expect(added.examples.every((e: any) => e.tags.includes('from-cli'))).toBe(true);

    const tagged = await cli('datasets', 'tag', name, '1', 'prod');
    expect(tagged.stdout).toContain('Tagged version 1');
    const got = await cli('datasets', 'get', `${name}:prod`);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain(`# ${name}`);
    expect(got.stdout).toContain('tags prod=v1');
    expect(got.stdout).toContain('Showing version 1, 1 examples');
    const list = await cli('--format', 'jsonl', 'datasets', 'list');
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l).name)).toContain(name);
  });

  it('exports JSONL and CSV that import into another dataset unchanged', async () => {
    const jsonl = join(dir, 'out.jsonl');
    const exported = await cli('datasets', 'export', name, '--out', jsonl);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('wrote version 2');
    expect(readFileSync(jsonl, 'utf8').trim().split('\n')).toHaveLength(3);
    expect((await cli('datasets', 'create', copy)).code).toBe(0);
    const imported = await cli('datasets', 'import', copy, jsonl);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Imported 3 examples');
    const csv = join(dir, 'out.csv');
    expect((await cli('datasets', 'export', `${name}@2`, '--csv', '--out', csv)).code).toBe(0);
    const again = await cli('datasets', 'import', copy, csv);
    expect(again.stdout).toContain('Imported 0 examples');
    expect(again.stdout).toContain('3 already there unchanged');
    const sort = (xs: any[]) => xs.map(strip).sort((a, b) => a.id.localeCompare(b.id));
    const [a, b] = await Promise.all([api(`/v1/datasets/${name}/examples`), api(`/v1/datasets/${copy}/examples`)]);
    expect(sort(b.examples)).toEqual(sort(a.examples));
  });

  it('lists the bad lines of an import and keeps the good ones; an unknown dataset exits 2', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `{"inputs":{"q":"fine"}}\n{"inputs":"not an object"}\nnot json\n`);
    const r = await cli('datasets', 'import', copy, file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Imported 1 example');
    expect(r.stdout).toContain('2 lines skipped:');
    expect(r.stdout).toMatch(/- line 2 \(inputs\): /);
    expect(r.stdout).toMatch(/- line 3: not JSON/);
    const missing = await cli('datasets', 'get', `no-such-${suffix}`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not found');
    const usage = await cli('datasets', 'add', name);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--from-trace');
  });
});
