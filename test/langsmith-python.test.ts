/**
 * The Python `langsmith` SDK's dataset and evaluate() requests, as recorded bodies (no
 * Python SDK can be installed here). Each body below is written from the SDK's source
 * (python/langsmith/client.py: create_dataset, _prepare_multipart_data,
 * _upload_examples_multipart, list_examples, update_dataset_tag, create_project,
 * update_project, create_feedback; _internal/_operations.py: the run and feedback parts of
 * /runs/multipart; evaluation/_runner.py: _forward, _run_evaluators, _end), with the part
 * headers requests_toolbelt's MultipartEncoder writes (no filename, application/json).
 */
import { describe, it, expect } from 'vitest';
import { api, eventually, makeProject } from './helpers.ts';

/** The SDK's module-level boundary (`_BOUNDARY = uuid.uuid4().hex`). */
const BOUNDARY = 'a3f1c2d4e5b64798a1b2c3d4e5f60718';

/** A body as MultipartEncoder writes (name, (None, data, content_type, headers)) parts. */
function encoder(parts: { name: string; data: unknown; length?: boolean }[]) {
  const body =
    parts
      .map((p) => {
        const data = JSON.stringify(p.data);
        return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"\r\nContent-Type: application/json\r\n${p.length ? `Content-Length: ${new TextEncoder().encode(data).length}\r\n` : ''}\r\n${data}\r\n`;
      })
      .join('') + `--${BOUNDARY}--\r\n`;
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

const uuid = () => crypto.randomUUID();
const dotted = (start: string, ...ids: string[]) => ids.map((id) => `${start}Z${id}`).join('.');

describe('the Python SDK against Loupe (recorded request shapes)', () => {
  it('create_dataset, create_examples, list_examples and update_dataset_tag', async () => {
    const { key } = await makeProject('py-ds');
    // client.create_dataset("qa", description="Questions")
    const created = await api('/api/v1/datasets', {
      key,
      body: { name: 'qa', data_type: 'kv', extra: { metadata: { runtime: { sdk: 'langsmith-py', sdk_version: '0.4.0', language: 'python' } }, source: 'sdk' }, description: 'Questions' },
    });
    expect(created.status).toBe(200);
    // Python's Dataset model needs these (UUID and datetime fields parsed by pydantic).
    expect(created.json).toMatchObject({ name: 'qa', description: 'Questions', data_type: 'kv' });
    for (const f of ['id', 'created_at', 'modified_at', 'tenant_id']) expect(created.json[f], f).toMatch(/^[0-9a-f-]{36}$|^\d{4}-/);
    const datasetId = created.json.id;
    // client.read_dataset(dataset_name="qa")
    expect((await api('/api/v1/datasets?name=qa&limit=1', { key })).json[0].id).toBe(datasetId);

    // client.create_examples(dataset_id=..., examples=[{inputs, outputs, metadata, split}, ...])
    const [e1, e2] = [uuid(), uuid()];
    const { body, headers } = encoder([
      { name: e1, data: { created_at: '2026-12-04T10:00:00.000000+00:00', metadata: { topic: 'geo' }, split: 'test' } },
      { name: `${e1}.inputs`, data: { question: 'Capital of France?' } },
      { name: `${e1}.outputs`, data: { answer: 'Paris' } },
      { name: e2, data: { created_at: '2026-12-04T10:00:00.000000+00:00', split: ['train'] } },
      { name: `${e2}.inputs`, data: { question: '2+2?' } },
      { name: `${e2}.outputs`, data: { answer: '4' } },
    ]);
    const upload = await api(`/api/v1/platform/datasets/${datasetId}/examples`, { key, method: 'POST', body, headers });
    expect(upload.status).toBe(201);
    // UpsertExamplesResponse: count, example_ids, as_of.
    expect(upload.json).toMatchObject({ count: 2 });
    expect(upload.json.example_ids.sort()).toEqual([e1, e2].sort());

    // client.list_examples(dataset_id=..., splits=["test"]): requests' encoding of the params dict.
    const listed = await api(`/api/v1/examples?offset=0&splits=test&inline_s3_urls=true&limit=100&dataset=${datasetId}`, { key });
    expect(listed.json.map((e: any) => e.id)).toEqual([e1]);
    expect(listed.json[0]).toMatchObject({ dataset_id: datasetId, inputs: { question: 'Capital of France?' }, outputs: { answer: 'Paris' }, metadata: { topic: 'geo', dataset_split: ['test'] }, source_run_id: null });

    // client.update_dataset_tag(dataset_id=..., as_of=<a datetime>, tag="prod"): isoformat() with microseconds and an offset.
    const asOf = new Date(Date.parse(upload.json.as_of)).toISOString().replace('Z', '000+00:00');
    const tagged = await api(`/api/v1/datasets/${datasetId}/tags`, { key, method: 'PUT', body: { as_of: asOf, tag: 'prod' } });
    expect(tagged.status).toBe(200);
    expect((await api(`/api/v1/datasets/${datasetId}/version?tag=prod`, { key })).json.tags).toEqual(['prod']);
  });

  it("evaluate(): the experiment session, the target's runs with reference_example_id, evaluator runs and feedback parts in /runs/multipart, and the closing update", async () => {
    const { key, projectId } = await makeProject('py-eval');
    const datasetId = (await api('/api/v1/datasets', { key, body: { name: 'math', data_type: 'kv', extra: { source: 'sdk' } } })).json.id;
    const examples = [uuid(), uuid()];
    const up = encoder(examples.flatMap((id, i) => [
      { name: id, data: { created_at: '2026-12-04T10:00:00+00:00' } },
      { name: `${id}.inputs`, data: { a: i, b: 2 } },
      { name: `${id}.outputs`, data: { sum: i + 2 } },
    ]));
    expect((await api(`/api/v1/platform/datasets/${datasetId}/examples`, { key, method: 'POST', ...up })).status).toBe(201);

    // _ExperimentManager._get_project -> client.create_project(name, reference_dataset_id, metadata, description): Python picks the id.
    const sessionId = uuid();
    const session = await api('/api/v1/sessions', {
      key,
      body: { name: 'py-exp-1a2b3c4d', extra: { metadata: { revision_id: 'abc123', git: { commit: 'abc123', branch: 'main' } } }, description: null, id: sessionId, reference_dataset_id: datasetId },
    });
    expect(session.status).toBe(200);
    // TracerSession: id, start_time, tenant_id (UUIDs and a datetime), reference_dataset_id.
    expect(session.json).toMatchObject({ id: sessionId, tenant_id: projectId, reference_dataset_id: datasetId, name: 'py-exp-1a2b3c4d' });
    // The same name again (a retry after a lost answer, or two runs picking it): 409, the SDK renames.
    expect((await api('/api/v1/sessions', { key, body: { name: 'py-exp-1a2b3c4d', extra: null, description: null, id: uuid(), reference_dataset_id: datasetId } })).status).toBe(409);

    // _forward: one root run per example in the experiment's session; _run_evaluators: each
    // evaluator traced in session "evaluators" (also naming the example), and its result as
    // a feedback part on the target run, with session_id the experiment.
    const start = '20261204T100000000000';
    const parts: { name: string; data: unknown; length?: boolean }[] = [];
    const targets: string[] = [];
    examples.forEach((exampleId, i) => {
      const run = uuid();
      const evalRun = uuid();
      targets.push(run);
      parts.push(
        { name: `post.${run}`, length: true, data: { id: run, trace_id: run, dotted_order: dotted(start, run), parent_run_id: null, name: 'target', run_type: 'chain', start_time: '2026-12-04T10:00:00.000000', end_time: '2026-12-04T10:00:00.250000', session_name: 'py-exp-1a2b3c4d', reference_example_id: exampleId, tags: [] } },
        { name: `post.${run}.inputs`, length: true, data: { inputs: { a: i, b: 2 } } },
        { name: `post.${run}.outputs`, length: true, data: { sum: i === 0 ? 2 : 99 } },
        { name: `post.${run}.extra`, length: true, data: { metadata: { example_version: '2026-12-04T10:00:00+00:00', revision_id: 'abc123', num_repetitions: 1 }, runtime: { sdk: 'langsmith-py' } } },
        { name: `post.${evalRun}`, length: true, data: { id: evalRun, trace_id: evalRun, dotted_order: dotted(start, evalRun), parent_run_id: null, name: 'exact_sum', run_type: 'chain', start_time: '2026-12-04T10:00:01.000000', end_time: '2026-12-04T10:00:01.010000', session_name: 'evaluators', reference_example_id: exampleId } },
        { name: `post.${evalRun}.inputs`, length: true, data: { run: {}, example: {} } },
        { name: `post.${evalRun}.outputs`, length: true, data: { key: 'exact_sum', score: i === 0 } },
        {
          name: `feedback.${uuid()}`,
          length: true,
          data: { id: uuid(), run_id: run, trace_id: run, key: 'exact_sum', score: i === 0 ? 1 : 0, feedback_source: { type: 'model', metadata: { __run: { run_id: evalRun } } }, created_at: '2026-12-04T10:00:01.020000+00:00', modified_at: '2026-12-04T10:00:01.020000+00:00', session_id: sessionId, extend_trace_retention: true },
        },
      );
    });
    const batch = encoder(parts);
    const ingest = await api('/api/v1/runs/multipart', { key, method: 'POST', ...batch });
    expect(ingest.status).toBe(202);

    // _end: client.update_project(experiment.id, metadata={..., dataset_version, dataset_splits}); no end time.
    const end = await api(`/api/v1/sessions/${sessionId}`, {
      key,
      method: 'PATCH',
      body: { name: null, extra: { metadata: { revision_id: 'abc123', dataset_version: '2026-12-04T10:00:00+00:00', dataset_splits: ['base'] } }, description: null, end_time: null },
    });
    expect(end.status).toBe(200);

    const experiment = (await api(`/v1/experiments/${sessionId}`, { key })).json;
    expect(experiment).toMatchObject({ name: 'py-exp-1a2b3c4d', dataset_id: datasetId, status: 'completed', metadata: { dataset_splits: ['base'] } });
    const runs = await eventually(async () => {
      const r = (await api(`/v1/experiments/${sessionId}/runs`, { key })).json.runs;
      if (r.length < 2 || r.some((x: any) => x.scores.exact_sum === undefined)) throw new Error(`runs not ready: ${JSON.stringify(r)}`);
      return r;
    }, 20_000);
    // Two examples, two runs: the evaluator runs (session "evaluators") are not runs of the experiment.
    expect(runs.map((r: any) => [r.example_id, r.trace_id, r.output, r.scores.exact_sum, r.latency_ms]).sort()).toEqual(
      [
        [examples[0], targets[0], { sum: 2 }, 1, 250],
        [examples[1], targets[1], { sum: 99 }, 0, 250],
      ].sort(),
    );
    const { summary } = (await api(`/v1/experiments/${sessionId}`, { key })).json;
    expect(summary).toMatchObject({ runs: 2, examples: 2, errors: 0 });
    expect(summary.metrics.find((m: any) => m.key === 'exact_sum')).toMatchObject({ mean: 0.5 });
  });
});
