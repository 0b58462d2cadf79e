/**
 * The `langsmith/jest` runner, unmodified, run by real `jest` in its own process against a
 * running Loupe configured only through LANGSMITH_ENDPOINT / LANGSMITH_API_KEY: the
 * ls.describe suite becomes a dataset, the run an experiment on it whose runs carry each
 * test's reference example, logged outputs and feedback, and the link the runner prints
 * opens Loupe's comparison page.
 */
import { describe, it, expect, inject, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const loupe = inject('loupe');
const suite = `ls-jest-${crypto.randomUUID().slice(0, 8)}`;
const fixtureDir = fileURLToPath(new URL('./fixtures/langsmith-jest/', import.meta.url));
const jestBin = fileURLToPath(new URL('../../node_modules/jest/bin/jest.js', import.meta.url));

async function rest(path: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Runs jest on the fixture suite with only the LangSmith variables a user would set. */
function runJest(): Promise<{ code: number; output: string }> {
  // No Babel: CommonJS suite, empty transform; node environment as the runner requires.
  const config = { rootDir: fixtureDir, testMatch: ['**/*.jest.cjs'], transform: {}, testEnvironment: 'node', cache: false };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LANGSMITH_ENDPOINT: `${loupe.url}/api/v1`,
    LANGSMITH_API_KEY: loupe.apiKey,
    LANGSMITH_TRACING: 'true',
    LS_JEST_SUITE: suite,
    CI: 'true',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [jestBin, '--config', JSON.stringify(config), '--ci', '--colors=false'], { cwd: fixtureDir, env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe('a langsmith/jest suite run against Loupe', () => {
  let run: { code: number; output: string };
  beforeAll(async () => {
    run = await runJest();
  }, 120_000);

  it('passes, and Loupe holds its dataset with one example per test', async () => {
    expect(run.code, run.output).toBe(0);
    const dataset = (await rest('/v1/datasets')).datasets.find((d: any) => d.name === suite);
    expect(dataset).toBeDefined();
    const examples = (await rest(`/v1/datasets/${dataset.id}/examples`)).examples;
    expect(examples.map((e: any) => [e.inputs, e.outputs]).sort((x: any, y: any) => x[1].sum - y[1].sum)).toEqual([
      [{ a: -4, b: 1 }, { sum: -3 }],
      [{ a: 1, b: 2 }, { sum: 3 }],
    ]);
  });

  it('records an experiment on the dataset whose runs carry each test reference example, outputs and feedback', async () => {
    const dataset = (await rest('/v1/datasets')).datasets.find((d: any) => d.name === suite);
    const examples = (await rest(`/v1/datasets/${dataset.id}/examples`)).examples;
    const exampleFor = (sum: number) => examples.find((e: any) => e.outputs.sum === sum).id;
    const { experiments } = await rest(`/v1/experiments?dataset_id=${dataset.id}`);
    expect(experiments).toHaveLength(1);
    const [experiment] = experiments;
    await expect
      .poll(async () => {
        const runs = (await rest(`/v1/experiments/${experiment.id}/runs`)).runs;
        return runs.map((r: any) => [r.example_id, r.output?.sum, r.scores.exact]).sort((x: any, y: any) => x[1] - y[1]);
      }, { timeout: 40_000 })
      .toEqual([
        [exampleFor(-3), -3, 1],
        [exampleFor(3), 3, 1],
      ]);
    expect((await rest(`/v1/experiments/${experiment.id}`)).status).toBe('completed');
    const { versions } = await rest(`/v1/datasets/${dataset.id}/versions`);
    expect(versions.flatMap((v: any) => v.tags).some((t: string) => t.startsWith('git:commit:'))).toBe(true);
  });

  it('prints a link that opens the experiment in Loupe comparison page', async () => {
    const dataset = (await rest('/v1/datasets')).datasets.find((d: any) => d.name === suite);
    const [experiment] = (await rest(`/v1/experiments?dataset_id=${dataset.id}`)).experiments;
    const link = /View results at (\S+)/.exec(run.output)?.[1];
    expect(link, run.output).toContain(`selectedSessions=${experiment.id}`);
    // The SDK maps a 127.0.0.1 / localhost endpoint to http://localhost:3000 (its own dev UI);
    // for a deployed Loupe it strips /api/v1. Either way the path and query are Loupe's.
    const url = new URL(link!);
    const res = await fetch(`${loupe.url}${url.pathname}${url.search}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toContain(`/experiments/compare?ids=${experiment.id}`);
  });
});
