/**
 * The official, unmodified `langsmith` npm package's dataset calls and evaluate() against a
 * running Loupe (LANGSMITH_ENDPOINT=<loupe>/api/v1): a dataset created through the SDK, its
 * examples listed by split, metadata and as of an older version or a tag, then two
 * evaluate() experiments on it, visible and comparable through Loupe's own REST API.
 */
import { describe, it, expect, inject, beforeAll, afterAll, vi } from 'vitest';
import { Client } from 'langsmith';
import { evaluate } from 'langsmith/evaluation';

const loupe = inject('loupe');
const saved = { ...process.env };
const suffix = crypto.randomUUID().slice(0, 8);
const datasetName = `ls-e2e-capitals-${suffix}`;

beforeAll(() => {
  process.env.LANGSMITH_TRACING = 'true';
  process.env.LANGSMITH_ENDPOINT = `${loupe.url}/api/v1`;
  process.env.LANGSMITH_API_KEY = loupe.apiKey;
});
afterAll(() => {
  process.env = { ...saved };
});

/** The client as a LangSmith user configures it; `webUrl` because a localhost endpoint would otherwise link to localhost:3000. */
const client = () => new Client({ apiUrl: `${loupe.url}/api/v1`, apiKey: loupe.apiKey, webUrl: loupe.url });

async function rest(path: string): Promise<any> {
  const res = await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function poll<T>(check: () => Promise<T>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw last;
}

const QUESTIONS = [
  { inputs: { country: 'France' }, outputs: { capital: 'Paris' }, split: 'test', metadata: { region: 'europe' } },
  { inputs: { country: 'Japan' }, outputs: { capital: 'Tokyo' }, split: 'test', metadata: { region: 'asia' } },
  { inputs: { country: 'Peru' }, outputs: { capital: 'Lima' }, split: 'train', metadata: { region: 'americas' } },
];

let datasetId = '';

describe('the langsmith SDK manages datasets in Loupe unchanged', () => {
  it('creates a dataset, adds examples with splits, lists them by split, metadata, as of a time and by tag, and edits one', async () => {
    const c = client();
    expect(await c.hasDataset({ datasetName })).toBe(false);
    const created = await c.createDataset(datasetName, { description: 'Capitals of countries' });
    datasetId = created.id;
    expect(created).toMatchObject({ name: datasetName, description: 'Capitals of countries' });
    expect(await c.hasDataset({ datasetName })).toBe(true);
    expect((await c.readDataset({ datasetId })).name).toBe(datasetName);
    await expect(c.createDataset(datasetName)).rejects.toThrow(/409/);

    const examples = await c.createExamples(QUESTIONS.map((q) => ({ ...q, dataset_id: datasetId })));
    expect(examples).toHaveLength(3);
    expect(examples.every((e) => e.modified_at && e.dataset_id === datasetId)).toBe(true);
    expect((await c.readDataset({ datasetName })).example_count).toBe(3);

    const all = [];
    for await (const e of c.listExamples({ datasetId })) all.push(e);
    expect(all.map((e) => e.inputs.country).sort()).toEqual(['France', 'Japan', 'Peru']);
    const test = [];
    for await (const e of c.listExamples({ datasetName, splits: ['test'] })) test.push(e);
    expect(test.map((e) => e.inputs.country).sort()).toEqual(['France', 'Japan']);
    expect(test[0].metadata?.dataset_split).toEqual(['test']);
    const asia = [];
    for await (const e of c.listExamples({ datasetId, metadata: { region: 'asia' } })) asia.push(e);
    expect(asia.map((e) => e.outputs?.capital)).toEqual(['Tokyo']);

    // Tag the version the examples made, then change one: the old answer stays readable.
    const before = await c.readDatasetVersion({ datasetId, asOf: new Date() });
    await c.updateDatasetTag({ datasetId, asOf: before.as_of, tag: 'v1' });
    expect((await c.readDatasetVersion({ datasetId, tag: 'v1' })).as_of).toBe(before.as_of);
    const peru = all.find((e) => e.inputs.country === 'Peru')!;
    await new Promise((r) => setTimeout(r, 5));
    await c.updateExample(peru.id, { outputs: { capital: 'Lima, Peru' }, split: ['train', 'hard'] });
    expect((await c.readExample(peru.id)).outputs).toEqual({ capital: 'Lima, Peru' });
    const atTag = [];
    for await (const e of c.listExamples({ datasetId, asOf: 'v1' })) atTag.push(e);
    expect(atTag.find((e) => e.id === peru.id)?.outputs).toEqual({ capital: 'Lima' });
    const atTime = [];
    for await (const e of c.listExamples({ datasetId, asOf: new Date(before.as_of) })) atTime.push(e);
    expect(atTime.find((e) => e.id === peru.id)?.outputs).toEqual({ capital: 'Lima' });
    const hard = [];
    for await (const e of c.listExamples({ datasetId, splits: ['hard'] })) hard.push(e);
    expect(hard.map((e) => e.id)).toEqual([peru.id]);

    // The same rows through Loupe's own API.
    const native = await rest(`/v1/datasets/${datasetId}/examples?tag=v1`);
    expect(native.examples).toHaveLength(3);
    await expect(c.readDataset({ datasetName: `missing-${suffix}` })).rejects.toThrow(/not found/);
  });

  it('pages listExamples by 100 over a larger dataset', async () => {
    const c = client();
    const big = await c.createDataset(`ls-e2e-big-${suffix}`);
    await c.createExamples(Array.from({ length: 150 }, (_, i) => ({ inputs: { i }, outputs: { double: i * 2 }, dataset_id: big.id })));
    const seen = new Set<number>();
    for await (const e of c.listExamples({ datasetId: big.id })) seen.add(e.inputs.i as number);
    expect(seen.size).toBe(150);
  });
});

/** The capital the candidate answers; the `weak` one gets Lima wrong. */
function capitalAgent(weak: boolean) {
  const answers: Record<string, string> = { France: 'Paris', Japan: 'Tokyo', Peru: weak ? 'Cusco' : 'Lima, Peru' };
  return async (inputs: Record<string, any>) => ({ capital: answers[inputs.country] });
}

/** An evaluator function, as LangSmith's docs write one. */
const exactMatch = ({ outputs, referenceOutputs }: { outputs?: Record<string, any>; referenceOutputs?: Record<string, any> }) => ({ key: 'exact_match', score: outputs?.capital === referenceOutputs?.capital ? 1 : 0 });

async function runExperiment(weak: boolean): Promise<{ id: string; name: string; link: string }> {
  const logs: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args) => void logs.push(args.join(' ')));
  try {
    const c = client();
    const results = await evaluate(capitalAgent(weak), { data: datasetName, evaluators: [exactMatch], experimentPrefix: weak ? 'weak' : 'strong', client: c, maxConcurrency: 2 });
    await c.awaitPendingTraceBatches();
    const link = logs.map((l) => /View results at (\S+)/.exec(l)?.[1]).find(Boolean)!;
    const [session] = await rest(`/api/v1/sessions?name=${encodeURIComponent(results.experimentName)}`);
    return { id: session.id, name: results.experimentName, link };
  } finally {
    spy.mockRestore();
  }
}

describe('evaluate() from the langsmith SDK makes a Loupe experiment', () => {
  it('records one run per example with its evaluator scores, leaves the evaluator runs out, prints a link to the compare page, and compares two experiments', async () => {
    const strong = await runExperiment(false);
    const weak = await runExperiment(true);
    expect(strong.name).toMatch(/^strong-/);

    const listed = await rest(`/v1/experiments?dataset_id=${datasetId}`);
    expect(listed.experiments.map((e: any) => e.id).sort()).toEqual([strong.id, weak.id].sort());
    const exp = listed.experiments.find((e: any) => e.id === weak.id);
    expect(exp).toMatchObject({ name: weak.name, dataset_id: datasetId, status: 'completed' });

    const runs = await poll(async () => {
      const r = (await rest(`/v1/experiments/${weak.id}/runs`)).runs;
      if (r.length < 3 || r.some((x: any) => x.scores.exact_match === undefined)) throw new Error(`runs not ready: ${JSON.stringify(r)}`);
      return r;
    });
    // Three examples, three runs: the evaluator's own traces (project "evaluators") are not runs.
    expect(runs).toHaveLength(3);
    const byCapital = Object.fromEntries(runs.map((r: any) => [r.output.capital, r.scores.exact_match]));
    expect(byCapital).toEqual({ Paris: 1, Tokyo: 1, Cusco: 0 });
    await poll(async () => {
      const r = (await rest(`/v1/experiments/${strong.id}/runs`)).runs;
      if (r.length < 3 || r.some((x: any) => x.scores.exact_match === undefined)) throw new Error('strong runs not ready');
    });

    const { comparisons } = await rest(`/v1/experiments/compare?ids=${strong.id},${weak.id}`);
    const metric = comparisons[0].metrics.find((m: any) => m.key === 'exact_match');
    expect(metric).toMatchObject({ improved: 0, regressed: 1 });

    // The link the SDK printed opens Loupe's compare page for the experiment.
    expect(strong.link).toContain(`${loupe.url}/o/`);
    const res = await fetch(strong.link, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/experiments/compare?ids=${strong.id}`);
  });

  it('answers a taken experiment name with 409, as the SDK expects before renaming', async () => {
    const c = client();
    const taken = (await rest(`/v1/experiments?dataset_id=${datasetId}`)).experiments[0].name;
    await expect(c.createProject({ projectName: taken, referenceDatasetId: datasetId })).rejects.toMatchObject({ name: 'LangSmithConflictError' });
  });
});
