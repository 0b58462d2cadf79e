/**
 * The `langsmith/vitest` runner (ls.describe / ls.test), unmodified, against a running
 * Loupe: the suite becomes a dataset (its examples synced from the tests' inputs and
 * reference outputs), the run becomes an experiment whose runs carry the tests' feedback,
 * and the closing update tags the dataset version with the git commit.
 */
import { describe, it, expect, inject, afterAll } from 'vitest';
import * as ls from 'langsmith/vitest';
import { Client } from 'langsmith';

const loupe = inject('loupe');
const suite = `ls-vitest-${crypto.randomUUID().slice(0, 8)}`;
// The runner decides in its hooks whether to track, from this variable.
const tracing = process.env.LANGSMITH_TRACING;
process.env.LANGSMITH_TRACING = 'true';
afterAll(() => {
  if (tracing === undefined) delete process.env.LANGSMITH_TRACING;
  else process.env.LANGSMITH_TRACING = tracing;
});
const client = new Client({ apiUrl: `${loupe.url}/api/v1`, apiKey: loupe.apiKey, webUrl: loupe.url });

async function rest(path: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const add = async (inputs: { a: number; b: number }) => ({ sum: inputs.a + inputs.b });

ls.describe(
  suite,
  () => {
    ls.test('adds small numbers', { inputs: { a: 1, b: 2 }, referenceOutputs: { sum: 3 } }, async ({ inputs, referenceOutputs }) => {
      const out = await add(inputs as { a: number; b: number });
      ls.logOutputs(out);
      ls.logFeedback({ key: 'exact', score: out.sum === referenceOutputs?.sum ? 1 : 0 });
      expect(out.sum).toBe(3);
    });
    ls.test('adds negative numbers', { inputs: { a: -4, b: 1 }, referenceOutputs: { sum: -3 } }, async ({ inputs, referenceOutputs }) => {
      const out = await add(inputs as { a: number; b: number });
      ls.logOutputs(out);
      ls.logFeedback({ key: 'exact', score: out.sum === referenceOutputs?.sum ? 1 : 0 });
      expect(out.sum).toBe(-3);
    });
  },
  { client, enableTestTracking: true },
);

describe('after the ls.describe suite', () => {
  it('Loupe holds its dataset, and an experiment with one scored run per test', async () => {
    const datasets = (await rest('/v1/datasets')).datasets;
    const dataset = datasets.find((d: any) => d.name === suite);
    expect(dataset).toBeDefined();
    const examples = (await rest(`/v1/datasets/${dataset.id}/examples`)).examples;
    expect(examples.map((e: any) => e.outputs).sort((x: any, y: any) => x.sum - y.sum)).toEqual([{ sum: -3 }, { sum: 3 }]);
    const [experiment] = (await rest(`/v1/experiments?dataset_id=${dataset.id}`)).experiments;
    expect(experiment).toMatchObject({ dataset_id: dataset.id });
    await expect
      .poll(async () => {
        const runs = (await rest(`/v1/experiments/${experiment.id}/runs`)).runs;
        return runs.map((r: any) => [r.output?.sum, r.scores.exact]).sort((x: any, y: any) => x[0] - y[0]);
      }, { timeout: 40_000 })
      .toEqual([
        [-3, 1],
        [3, 1],
      ]);
    // The runner's closing update ends the experiment and tags the dataset version with the commit.
    expect((await rest(`/v1/experiments/${experiment.id}`)).status).toBe('completed');
    const { versions } = await rest(`/v1/datasets/${dataset.id}/versions`);
    expect(versions.flatMap((v: any) => v.tags).some((t: string) => t.startsWith('git:commit:'))).toBe(true);
    const { comparisons } = await rest(`/v1/experiments/compare?ids=${experiment.id},${experiment.id}`);
    expect(comparisons[0].metrics.map((m: any) => m.key)).toContain('exact');
  });
});
