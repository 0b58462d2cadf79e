import { describe, it, expect } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { api, makeProject, waitForTrace, eventually } from './helpers.ts';

const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const dotted = (...runs: [string, string][]) => runs.map(([t, r]) => `${t}Z${r}`).join('.');
const T = (s: number) => `20260101T0000${String(s).padStart(2, '0')}000000`;

type Part = { name: string; data: string | Uint8Array; type?: string };

/** A multipart body written the way the LangSmith SDK writes it. */
function multipart(parts: Part[], boundary = '----LangSmithFormBoundarytest'): { body: Uint8Array; contentType: string } {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const data = typeof p.data === 'string' ? enc.encode(p.data) : p.data;
    chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\nContent-Type: ${p.type ?? `application/json; length=${data.length}`}\r\n\r\n`), data, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) body.set(c, (o += c.length) - c.length);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The parts of one run operation, with its big fields split out as the SDK does. */
function runParts(op: 'post' | 'patch', run: Record<string, unknown>): Part[] {
  const { inputs, outputs, events, extra, error, serialized, ...main } = run;
  const parts: Part[] = [{ name: `${op}.${run.id}`, data: JSON.stringify(main) }];
  for (const [k, v] of Object.entries({ inputs, outputs, events, extra, error, serialized })) if (v !== undefined) parts.push({ name: `${op}.${run.id}.${k}`, data: JSON.stringify(v) });
  return parts;
}

async function postMultipart(key: string, parts: Part[], opts: { gzip?: boolean; prefix?: string } = {}) {
  const { body, contentType } = multipart(parts);
  let payload: BodyInit = body;
  const headers: Record<string, string> = { 'x-api-key': key, 'content-type': contentType };
  if (opts.gzip) {
    payload = new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'));
    headers['content-encoding'] = 'gzip';
  }
  const res = await exports.default.fetch(new Request(`http://loupe.test${opts.prefix ?? ''}/runs/multipart`, { method: 'POST', headers, body: payload }));
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

describe('LangSmith-compatible API', () => {
  it('serves /info with and without /api/v1, telling the SDK to send gzip multipart batches', async () => {
    for (const path of ['/info', '/api/v1/info']) {
      const res = await api(path);
      expect(res.status).toBe(200);
      expect(res.json.batch_ingest_config).toMatchObject({ use_multipart_endpoint: true, size_limit: 500 });
      expect(res.json.batch_ingest_config.size_limit_bytes).toBeLessThan(26_214_400);
      expect(res.json.instance_flags).toMatchObject({ gzip_body_enabled: true, zstd_compression_enabled: false });
    }
  });

  it('documents its routes, with and without /api/v1, in the OpenAPI document', async () => {
    const doc = (await api('/v1/openapi.json')).json;
    for (const prefix of ['', '/api/v1']) {
      expect(Object.keys(doc.paths[`${prefix}/runs/multipart`] ?? {}), prefix).toEqual(['post']);
      expect(doc.paths[`${prefix}/runs/batch`]?.post.tags, prefix).toEqual(['langsmith']);
      expect(doc.paths[`${prefix}/runs`]?.post.responses['409'], prefix).toBeDefined();
      expect(doc.paths[`${prefix}/runs/{id}`]?.patch.parameters[0], prefix).toMatchObject({ name: 'id', in: 'path' });
      expect(doc.paths[`${prefix}/feedback`]?.post.summary, prefix).toMatch(/LangSmith/);
      expect(doc.paths[`${prefix}/info`]?.get, prefix).toBeDefined();
    }
  });

  it('turns a gzip multipart batch of nested runs into the span tree, with kinds, usage, metadata and tags', async () => {
    const { key } = await makeProject();
    const root = id(1);
    const llm = id(2);
    const tool = id(3);
    const rootRun = { id: root, trace_id: root, dotted_order: dotted([T(0), root]), name: 'agent', run_type: 'chain', start_time: 1767225600000, inputs: { question: 'refund?' }, session_name: 'support-prod', tags: ['prod'], extra: { metadata: { customer: 'acme', thread_id: 'th-1', user_id: 'u-9' }, runtime: { sdk: 'langsmith-js' } } };
    const llmRun = { id: llm, trace_id: root, parent_run_id: root, dotted_order: dotted([T(0), root], [T(1), llm]), name: 'ChatOpenAI', run_type: 'llm', start_time: '2026-01-01T00:00:01.000000', end_time: '2026-01-01T00:00:02.5', inputs: { messages: [{ role: 'user', content: 'refund?' }] }, outputs: { role: 'assistant', content: 'checking', usage_metadata: { input_tokens: 11, output_tokens: 4, total_tokens: 15 } }, extra: { metadata: { ls_model_name: 'gpt-4o', ls_provider: 'openai' }, invocation_params: { temperature: 0 } } };
    const toolRun = { id: tool, trace_id: root, dotted_order: dotted([T(0), root], [T(3), tool]), name: 'lookup', run_type: 'tool', start_time: 1767225603000, end_time: 1767225603100, inputs: { q: 'x' }, error: 'Timeout: upstream', events: [{ name: 'start', time: '2026-01-01T00:00:03Z' }] };
    const res = await postMultipart(key, [...runParts('post', rootRun), ...runParts('post', llmRun), ...runParts('post', toolRun), ...runParts('patch', { id: root, trace_id: root, dotted_order: rootRun.dotted_order, end_time: 1767225604000, outputs: { answer: 'done' } })], { gzip: true });
    expect(res.status).toBe(202);
    expect(res.json.accepted.sort()).toEqual([root, llm, tool].sort());
    const tree = await waitForTrace(key, root, 3);
    expect(tree.spans.map((s: any) => [s.id, s.parent_id, s.kind, s.name])).toEqual([
      [root, null, 'chain', 'agent'],
      [llm, root, 'llm', 'ChatOpenAI'],
      [tool, root, 'tool', 'lookup'],
    ]);
    const [r, l, t] = tree.spans;
    expect(r).toMatchObject({ input: { question: 'refund?' }, output: { answer: 'done' }, status: 'ok', latency_ms: 4000, tags: ['prod'], session_id: 'th-1', user_id: 'u-9' });
    expect(r.metadata).toMatchObject({ customer: 'acme', ls_project: 'support-prod', ls_runtime: { sdk: 'langsmith-js' } });
    expect(l).toMatchObject({ model: 'gpt-4o', usage: { input_tokens: 11, output_tokens: 4, total_tokens: 15 }, latency_ms: 1500, input: { messages: [{ role: 'user', content: 'refund?' }] } });
    expect(l.metadata).toMatchObject({ ls_provider: 'openai', ls_invocation_params: { temperature: 0 } });
    expect(t).toMatchObject({ status: 'error', error: 'Timeout: upstream', metadata: { ls_events: [{ name: 'start', time: '2026-01-01T00:00:03Z' }] } });
    expect(tree.trace).toMatchObject({ status: 'error', usage: { input_tokens: 11, output_tokens: 4 } });
  });

  it('serves /api/v1/runs/batch and reads OpenAI-shaped token usage', async () => {
    const { key } = await makeProject();
    const run = id(10);
    const res = await api('/api/v1/runs/batch', {
      key,
      body: {
        post: [{ id: run, trace_id: run, dotted_order: dotted([T(0), run]), name: 'llm', run_type: 'llm', start_time: '2026-01-01T00:00:00Z', inputs: { prompt: 'hi' } }],
        patch: [{ id: run, trace_id: run, dotted_order: dotted([T(0), run]), end_time: '2026-01-01T00:00:01Z', outputs: { llm_output: { token_usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 }, model_name: 'gpt-4o-mini' } } }],
      },
    });
    expect(res.status).toBe(202);
    const tree = await waitForTrace(key, run);
    expect(tree.spans[0]).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 }, status: 'ok', latency_ms: 1000 });
  });

  it('applies a patch that arrives before its run is created', async () => {
    const { key } = await makeProject();
    const run = id(20);
    const order = dotted([T(0), run]);
    expect((await postMultipart(key, runParts('patch', { id: run, trace_id: run, dotted_order: order, end_time: 1767225601000, outputs: { text: 'late but first' } }))).status).toBe(202);
    expect((await postMultipart(key, runParts('post', { id: run, trace_id: run, dotted_order: order, name: 'early', run_type: 'chain', start_time: 1767225600000, inputs: { q: 1 } }))).status).toBe(202);
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, run);
      if (!t.spans[0].name) throw new Error('post not indexed yet');
      return t;
    });
    expect(tree.spans[0]).toMatchObject({ name: 'early', kind: 'chain', input: { q: 1 }, output: { text: 'late but first' }, status: 'ok', latency_ms: 1000 });
  });

  it('keeps a patch for an unknown run that names no trace until the run arrives, then applies it', async () => {
    const { key, projectId } = await makeProject();
    const run = id(21);
    const patch = await api(`/runs/${run}`, { key, method: 'PATCH', body: { end_time: '2026-01-01T00:00:05Z', outputs: { result: 42 } } });
    expect(patch.status).toBe(202);
    expect(patch.json.pending).toEqual([run]);
    const created = await api('/runs', { key, body: { id: run, name: 'job', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', inputs: { n: 6 } } });
    expect(created.status).toBe(202);
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, run);
      if (t.spans[0].output === undefined) throw new Error('patch not applied yet');
      return t;
    });
    expect(tree.spans[0]).toMatchObject({ name: 'job', input: { n: 6 }, output: { result: 42 }, latency_ms: 5000 });
    const { results } = await env.DB.prepare('SELECT count(*) AS n FROM langsmith_pending WHERE project_id = ?').bind(projectId).all<{ n: number }>();
    expect(results[0].n).toBe(0);
  });

  it('answers a /runs/batch per item (207): id-less patches take their id from dotted_order, one bad entry is rejected, the good runs are stored', async () => {
    const { key } = await makeProject();
    const root = id(70);
    const child = id(71);
    const rootOrder = dotted([T(0), root]);
    const childOrder = dotted([T(0), root], [T(1), child]);
    // A hand-rolled client: posts with ids, patches naming their run only by dotted_order.
    const body = {
      post: [
        { id: root, trace_id: root, dotted_order: rootOrder, name: 'agent', run_type: 'chain', start_time: '2026-01-01T00:00:00.000000', inputs: { question: 'refund?' } },
        { id: child, trace_id: root, parent_run_id: root, dotted_order: childOrder, name: 'ChatOpenAI', run_type: 'llm', start_time: '2026-01-01T00:00:01.000000', inputs: { messages: [{ role: 'user', content: 'refund?' }] }, extra: { metadata: { ls_model_name: 'gpt-4o-mini' } } },
      ],
      patch: [
        { trace_id: root, dotted_order: childOrder, end_time: '2026-01-01T00:00:02.000000', outputs: { generations: [[{ text: 'Yes.' }]], llm_output: { token_usage: { prompt_tokens: 12, completion_tokens: 3 } } } },
        { trace_id: root, end_time: '2026-01-01T00:00:03.000000', outputs: { answer: 'no id, no dotted_order' } },
        { dotted_order: rootOrder, end_time: '2026-01-01T00:00:04.000000', outputs: { answer: 'Yes.' } },
      ],
    };
    const res = await api('/runs/batch', { key, body });
    expect(res.status).toBe(207);
    expect(res.json.rejected).toEqual([{ index: 3, id: null, path: 'patch[1].id', message: expect.stringContaining('id must be a UUID') }]);
    expect(res.json.accepted.sort()).toEqual([root, child].sort());
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, root, 2);
      if (t.spans.some((s: any) => s.output === undefined)) throw new Error('patches not merged yet');
      return t;
    });
    const byId = Object.fromEntries(tree.spans.map((s: any) => [s.id, s]));
    expect(byId[root]).toMatchObject({ name: 'agent', kind: 'chain', input: { question: 'refund?' }, output: { answer: 'Yes.' }, latency_ms: 4000, status: 'ok' });
    expect(byId[child]).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', parent_id: root, usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 }, output: { generations: [[{ text: 'Yes.' }]] } });
    // Every entry bad: 400, nothing stored.
    const allBad = await api('/runs/batch', { key, body: { patch: [{ end_time: '2026-01-01T00:00:03Z' }] } });
    expect(allBad.status).toBe(400);
    expect(allBad.json.error.path).toBe('patch[0].id');
  });

  it('answers a multipart body per item (207): a bad run part is rejected, the good runs beside it are stored', async () => {
    const { key } = await makeProject();
    const good = id(72);
    const res = await postMultipart(key, [
      ...runParts('post', { id: good, trace_id: good, dotted_order: dotted([T(0), good]), name: 'kept', run_type: 'chain', start_time: 1767225600000, inputs: { q: 1 } }),
      { name: 'post.run-1', data: '{"name":"x"}' },
      ...runParts('post', { id: id(73), trace_id: id(73), name: 'bad type', run_type: 'agentic', start_time: 1767225600000 }),
    ]);
    expect(res.status).toBe(207);
    expect(res.json.accepted).toEqual([good]);
    expect(res.json.rejected.map((r: any) => r.path)).toEqual(['post.run-1.id', `post.${id(73)}.run_type`]);
    const tree = await waitForTrace(key, good);
    expect(tree.spans[0]).toMatchObject({ name: 'kept', input: { q: 1 } });
  });

  it('answers 409 to a duplicate create, and skips duplicates mixed into a batch of new runs', async () => {
    const { key } = await makeProject();
    const run = id(30);
    const body = { id: run, name: 'once', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', inputs: {} };
    expect((await api('/runs', { key, body })).status).toBe(202);
    const again = await api('/runs', { key, body: { ...body, name: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
    const mixed = await postMultipart(key, [...runParts('post', body), ...runParts('post', { ...body, id: id(31), name: 'new' })]);
    expect(mixed.status).toBe(202);
    expect(mixed.json).toMatchObject({ accepted: [id(31)], duplicates: [run] });
    const tree = await waitForTrace(key, run);
    expect(tree.spans[0].name).toBe('once');
  });

  it('reads multipart as RFC 2046 allows: a preamble, transport padding after boundaries, quoted names with a filename, and a binary part holding CRLF, dashes and the start of the boundary', async () => {
    const { key, projectId } = await makeProject();
    const run = id(45);
    const b = 'xYz-boundary';
    const enc = new TextEncoder();
    const blob = new Uint8Array([0x0d, 0x0a, 0x2d, 0x2d, ...enc.encode(b.slice(0, 5)), 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff]);
    const runJson = JSON.stringify({ id: run, trace_id: run, name: 'padded', run_type: 'chain', start_time: 1767225600000, inputs: { q: 'a\r\nb' } });
    const pieces: (string | Uint8Array)[] = [
      'This is a preamble the parser must skip.\r\n',
      `--${b}  \r\nContent-Disposition: form-data; name="post.${run}"\r\nContent-Type: application/json\r\n\r\n${runJson}\r\n`,
      `--${b}\r\ncontent-disposition: form-data; name="attachment.${run}.blob"; filename="blob.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      blob,
      `\r\n--${b}--\r\nepilogue`,
    ];
    const chunks = pieces.map((p) => (typeof p === 'string' ? enc.encode(p) : p));
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) body.set(c, (o += c.length) - c.length);
    const res = await exports.default.fetch(new Request('http://loupe.test/runs/multipart', { method: 'POST', headers: { 'x-api-key': key, 'content-type': `multipart/form-data; boundary="${b}"` }, body }));
    expect(res.status).toBe(202);
    const tree = await waitForTrace(key, run);
    expect(tree.spans[0]).toMatchObject({ name: 'padded', input: { q: 'a\r\nb' } });
    const object = await env.BLOBS.get(`attachments/${projectId}/${run}/blob`);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(blob);
  });

  it('stores attachments byte for byte in R2 under the project and references them from the span', async () => {
    const { key, projectId } = await makeProject();
    const run = id(40);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80]);
    const res = await postMultipart(key, [...runParts('post', { id: run, trace_id: run, dotted_order: dotted([T(0), run]), name: 'vision', run_type: 'llm', start_time: 1767225600000, inputs: {} }), { name: `attachment.${run}.screenshot`, data: png, type: `image/png; length=${png.length}` }]);
    expect(res.status).toBe(202);
    const tree = await waitForTrace(key, run);
    const ref = tree.spans[0].metadata.attachments.screenshot;
    expect(ref).toEqual({ key: `attachments/${projectId}/${run}/screenshot`, content_type: 'image/png', size: 12 });
    const object = await env.BLOBS.get(ref.key);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(png);
    expect(object!.httpMetadata?.contentType).toBe('image/png');

    // Read back through the API, as a download.
    const path = `/v1/traces/${run}/spans/${run}/attachments/screenshot`;
    const download = await exports.default.fetch(new Request(`http://loupe.test${path}`, { headers: { authorization: `Bearer ${key}` } }));
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(png);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''screenshot");
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await api(`/v1/traces/${run}/spans/${run}/attachments/other`, { key })).status).toBe(404);
    expect((await api(path, {})).status).toBe(401);
    // Another project's key cannot read it, even by naming this span.
    const other = await makeProject();
    expect((await api(path, { key: other.key })).status).toBe(404);
  });

  it("never serves another project's attachment through a span whose metadata names its key", async () => {
    const victim = await makeProject();
    const run = id(41);
    await postMultipart(victim.key, [...runParts('post', { id: run, trace_id: run, dotted_order: dotted([T(0), run]), name: 'secret', run_type: 'llm', start_time: 1767225600000, inputs: {} }), { name: `attachment.${run}.doc`, data: 'secret bytes', type: 'text/plain' }]);
    await waitForTrace(victim.key, run);
    // An attacker's own span, with the same ids and metadata pointing at the victim's object.
    const attacker = await makeProject();
    const forged = { id: run, trace_id: run, name: 'forged', start_time: 1767225600000, metadata: { attachments: { doc: { key: `attachments/${victim.projectId}/${run}/doc`, content_type: 'text/plain', size: 12 } } } };
    expect((await api('/v1/spans', { key: attacker.key, body: { spans: [forged] } })).status).toBe(202);
    await waitForTrace(attacker.key, run);
    const res = await api(`/v1/traces/${run}/spans/${run}/attachments/doc`, { key: attacker.key });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('secret bytes');
  });

  it('rejects a multipart body with a field part but no run part, naming the part, and writes nothing', async () => {
    const { key, projectId } = await makeProject();
    const run = id(50);
    const res = await postMultipart(key, [{ name: `post.${run}.inputs`, data: '{"q":1}' }, ...runParts('post', { id: id(51), trace_id: id(51), name: 'ok', run_type: 'chain', start_time: 1767225600000 })]);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'missing_part', path: `post.${run}.inputs` });
    expect(res.json.error.message).toContain(`has no 'post.${run}' part`);
    expect((await env.BLOBS.list({ prefix: `spans/${projectId}/` })).objects).toHaveLength(0);
  });

  it('rejects a part over the size limit with 413 naming the part', async () => {
    const { key } = await makeProject();
    const run = id(52);
    const big = JSON.stringify({ text: 'x'.repeat(10 * 1024 * 1024) });
    const res = await postMultipart(key, [...runParts('post', { id: run, trace_id: run, name: 'big', run_type: 'chain', start_time: 1767225600000 }), { name: `post.${run}.inputs`, data: big }]);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatchObject({ code: 'part_too_large', path: `post.${run}.inputs` });
  });

  it('rejects a truncated multipart body, a non-multipart body and ids that are not UUIDs', async () => {
    const { key } = await makeProject();
    const { body, contentType } = multipart(runParts('post', { id: id(53), trace_id: id(53), name: 'cut', run_type: 'chain', start_time: 1767225600000, inputs: { a: 1 } }));
    const truncated = await exports.default.fetch(new Request('http://loupe.test/runs/multipart', { method: 'POST', headers: { 'x-api-key': key, 'content-type': contentType }, body: body.slice(0, body.length - 30) }));
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as any).error.code).toBe('invalid_multipart');
    const wrongType = await api('/runs/multipart', { key, body: { post: [] } });
    expect(wrongType.status).toBe(415);
    const badId = await postMultipart(key, [{ name: 'post.run-1', data: '{"name":"x"}' }]);
    expect(badId.status).toBe(400);
    expect(badId.json.error).toMatchObject({ code: 'invalid_run', path: 'post.run-1.id' });
    const badTrace = await api('/runs/batch', { key, body: { post: [{ id: id(54), trace_id: 'trace-1', name: 'x', run_type: 'chain' }] } });
    expect(badTrace.status).toBe(400);
    expect(badTrace.json.error.path).toBe('post[0].trace_id');
    const badType = await api('/runs', { key, body: { id: id(55), name: 'x', run_type: 'agentic' } });
    expect(badType.status).toBe(400);
    expect(badType.json.error.message).toContain('run_type must be one of');
  });

  it('attaches feedback by run id (feedback_config or feedbackConfig), before and after the run arrives', async () => {
    const { key } = await makeProject();
    const root = id(60);
    const early = await api('/feedback', { key, body: { id: id(61), run_id: root, key: 'correctness', score: 1, comment: 'right', feedback_source: { type: 'model' }, feedbackConfig: { type: 'continuous', min: 0, max: 1 } } });
    expect(early.status).toBe(200);
    expect(early.json).toMatchObject({ id: id(61), run_id: root, trace_id: null, key: 'correctness', score: 1 });
    expect((await api('/runs', { key, body: { id: root, name: 'agent', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', inputs: {} } })).status).toBe(202);
    const late = await api('/api/v1/feedback', { key, body: { id: id(62), run_id: root, key: 'thumbs', score: false, feedback_config: { type: 'categorical', categories: [{ value: 0 }, { value: 1 }] } } });
    expect(late.status).toBe(200);
    expect(late.json.trace_id).toBe(root);
    const tree = await eventually(async () => {
      const t = await waitForTrace(key, root);
      if (t.feedback.length < 2) throw new Error('feedback not there yet');
      return t;
    });
    const byKey = Object.fromEntries(tree.feedback.map((f: any) => [f.key, f]));
    expect(byKey.correctness).toMatchObject({ id: id(61), span_id: root, score: 1, comment: 'right', source: 'evaluator', metadata: { feedback_config: { type: 'continuous', min: 0, max: 1 } } });
    expect(byKey.thumbs).toMatchObject({ id: id(62), span_id: root, score: 0, source: 'sdk', metadata: { feedback_config: { type: 'categorical' } } });
    expect(tree.trace.feedback).toMatchObject({ correctness: { avg: 1, count: 1 }, thumbs: { avg: 0, count: 1 } });
    const bad = await api('/feedback', { key, body: { run_id: root, key: 'has space', score: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.path).toBe('feedback.key');
  });

  it('keeps runs, duplicates and feedback inside the project of the key', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    const run = id(70);
    const body = { id: run, name: 'a-only', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', inputs: { secret: 1 } };
    expect((await api('/runs', { key: a.key, body })).status).toBe(202);
    // The same run id is new in project b: no 409, and no leak of a's run.
    expect((await api('/runs', { key: b.key, body: { ...body, name: 'b-own', inputs: {} } })).status).toBe(202);
    const fb = await api('/feedback', { key: b.key, body: { id: id(71), run_id: run, key: 'thumbs', score: 0 } });
    expect(fb.status).toBe(200);
    const treeA = await waitForTrace(a.key, run);
    expect(treeA.spans[0]).toMatchObject({ name: 'a-only', input: { secret: 1 } });
    expect(treeA.feedback).toEqual([]);
    const treeB = await eventually(async () => {
      const t = await waitForTrace(b.key, run);
      if (!t.feedback.length) throw new Error('no feedback yet');
      return t;
    });
    expect(treeB.spans[0].name).toBe('b-own');
    const patchFromB = await api(`/runs/${run}`, { key: b.key, method: 'PATCH', body: { outputs: { leaked: true } } });
    expect(patchFromB.status).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect((await waitForTrace(a.key, run)).spans[0].output).toBeUndefined();
  });

  it('rate limits a project with 429 and Retry-After', async () => {
    const { key } = await makeProject();
    // The limit is 600 requests per 10 s (wrangler.toml) in fixed windows: send waves of 100
    // empty batches until one is refused (at a few hundred requests a second, within one or two windows).
    let limited: Awaited<ReturnType<typeof api>> | undefined;
    for (let wave = 0; wave < 30 && !limited; wave++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => api('/runs/batch', { key, body: { post: [], patch: [] } })));
      for (const res of answers) expect([202, 429]).toContain(res.status);
      limited = answers.find((r) => r.status === 429);
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toBe('10');
  }, 60_000);
});
