import { describe, it, expect } from 'vitest';
import { env, exports } from 'cloudflare:workers';
import { toBinary, fromBinary } from '@bufbuild/protobuf';
import { api, makeProject, waitForTrace, eventually } from './helpers.ts';
import { decodeRequest } from '../workers/ingest/otlp/codec.ts';
import { ExportTraceServiceRequestSchema, ExportTraceServiceResponseSchema } from '../workers/ingest/otlp/gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.ts';
import { StatusSchema } from '../workers/ingest/otlp/gen/google/rpc/status_pb.ts';
import { genAiTree, openInferenceTree, otlpJson, vercelTree, keyValues, type PlainSpan } from './fixtures/otel/paris-chat.ts';

const TRACE = (n: number) => n.toString(16).padStart(32, '0');

/** Posts raw bytes or text to the OTLP endpoint. */
async function postOtlp(key: string, body: BodyInit, contentType: string, extra: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request('http://loupe.test/otel/v1/traces', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType, ...extra }, body }),
  );
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const postJson = (key: string, body: unknown) => postOtlp(key, JSON.stringify(body), 'application/json');

/** The OTLP/JSON body as protobuf bytes, the way an exporter would send it. */
const toProtobuf = (json: unknown) => toBinary(ExportTraceServiceRequestSchema, decodeRequest(new TextEncoder().encode(JSON.stringify(json)), 'json').request);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

/** The facts the three conventions must agree on, span by span in tree order. */
function shape(tree: any) {
  return tree.spans.map((s: any) => ({
    id: s.id,
    parent_id: s.parent_id,
    kind: s.kind,
    ...(s.kind === 'tool' ? { name: s.name, input: s.input, output: s.output, tool_call_id: s.metadata.tool_call_id } : {}),
    ...(s.kind === 'llm' ? { model: s.model, usage: s.usage, input: s.input, output: s.output } : {}),
    status: s.status,
    latency_ms: s.latency_ms,
  }));
}

describe('POST /otel/v1/traces', () => {
  it('maps the Vercel AI SDK, OpenInference and GenAI (current and deprecated) spans of one tool-calling chat to the same span tree', async () => {
    const { key } = await makeProject();
    const trees = { openinference: openInferenceTree(), genai: genAiTree(), genaiDeprecated: genAiTree(true), vercel: vercelTree() };
    const shapes: Record<string, unknown> = {};
    let n = 1;
    for (const [name, spans] of Object.entries(trees)) {
      const traceId = TRACE(n++);
      const res = await postJson(key, otlpJson(traceId, spans));
      expect(res.status, name).toBe(200);
      shapes[name] = shape(await waitForTrace(key, traceId, 4));
    }
    const expected = shapes.openinference as any[];
    expect(expected.map((s) => s.kind)).toEqual(['agent', 'llm', 'tool', 'llm']);
    expect(expected.slice(1).every((s) => s.parent_id === 'a000000000000001')).toBe(true);
    expect(expected[1]).toMatchObject({
      model: 'gpt-4-0613',
      usage: { input_tokens: 40, output_tokens: 18, total_tokens: 58 },
      input: { messages: [{ role: 'user', content: 'Weather in Paris?' }] },
      output: { role: 'assistant', content: 'Absolutely! Let me check the weather for you.', tool_calls: [{ id: '1234', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
    });
    expect(expected[2]).toMatchObject({ name: 'get_weather', input: { location: 'Paris' }, output: 'rainy, 57°F', tool_call_id: '1234' });
    expect(expected[3]).toMatchObject({
      model: 'gpt-4-0613',
      usage: { input_tokens: 97, output_tokens: 52, total_tokens: 149 },
      input: {
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: 'Absolutely! Let me check the weather for you.', tool_calls: [{ id: '1234', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }] },
          { role: 'tool', content: 'rainy, 57°F', tool_call_id: '1234' },
        ],
      },
      output: { role: 'assistant', content: 'The weather in Paris is currently rainy with a temperature of 57°F.' },
    });
    expect(shapes.genai).toEqual(expected);
    expect(shapes.genaiDeprecated).toEqual(expected);
    expect(shapes.vercel).toEqual(expected);
  });

  it('accepts gzip-compressed protobuf, answers with a protobuf ExportTraceServiceResponse, and stores hex ids', async () => {
    const { key } = await makeProject();
    const traceId = '5b8efff798038103d269b633813fc60c';
    const body = otlpJson(traceId, [{ spanId: 'eee19b7ec3c1b174', name: 'root', attributes: { 'openinference.span.kind': 'CHAIN', 'input.value': 'hi' }, start: 0, end: 10 }]);
    const res = await postOtlp(key, (await gzip(toProtobuf(body))) as BodyInit, 'application/x-protobuf', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = fromBinary(ExportTraceServiceResponseSchema, res.bytes);
    expect(answer.partialSuccess).toBeUndefined();
    const tree = await waitForTrace(key, traceId);
    expect(tree.spans[0]).toMatchObject({ id: 'eee19b7ec3c1b174', trace_id: traceId, parent_id: null, kind: 'chain', input: 'hi', latency_ms: 10 });
  });

  it('answers JSON with an empty ExportTraceServiceResponse', async () => {
    const { key } = await makeProject();
    const res = await postJson(key, otlpJson(TRACE(9), [{ spanId: '00000000000000a1', name: 'x', attributes: {}, start: 0, end: 1 }]));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(new TextDecoder().decode(res.bytes))).toEqual({});
  });

  it('maps resource attributes, status, exceptions and keeps every unmapped attribute in metadata', async () => {
    const { key } = await makeProject();
    const traceId = TRACE(0xbeef);
    const spans: PlainSpan[] = [
      {
        spanId: '00000000000000b1',
        name: 'lookup',
        kind: 3,
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'http.status_code': 500, 'custom.flag': true, 'custom.list': ['a', 'b'] },
        start: 0,
        end: 5,
        status: { code: 2, message: 'upstream failed' },
        events: [
          { name: 'exception', attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'took too long', 'exception.stacktrace': 'at lookup()' } },
          { name: 'retry', attributes: { attempt: 2 } },
        ],
      },
    ];
    const res = await postJson(key, otlpJson(traceId, spans, { 'service.name': 'support-bot', 'service.version': '1.4.2', 'deployment.environment.name': 'staging', 'host.name': 'box-1' }));
    expect(res.status).toBe(200);
    const tree = await waitForTrace(key, traceId);
    const s = tree.spans[0];
    expect(s).toMatchObject({ kind: 'tool', name: 'lookup', status: 'error', error: 'upstream failed', environment: 'staging', release: '1.4.2' });
    expect(s.metadata).toMatchObject({
      'service.name': 'support-bot',
      'otel.resource': { 'host.name': 'box-1' },
      'http.status_code': 500,
      'custom.flag': true,
      'custom.list': ['a', 'b'],
      'otel.span_kind': 'client',
      'otel.scope.name': 'fixture',
      'exception.stacktrace': 'at lookup()',
    });
    expect(s.metadata['otel.events']).toEqual([{ name: 'retry', time: expect.any(Number), attributes: { attempt: 2 } }]);
    expect(tree.trace).toMatchObject({ status: 'error', environment: 'staging', release: '1.4.2' });
  });

  it('reads the deprecated per-message GenAI events as the input and output messages', async () => {
    const { key } = await makeProject();
    const traceId = TRACE(0xe7);
    const res = await postJson(
      key,
      otlpJson(traceId, [
        {
          spanId: '00000000000000c1',
          name: 'chat gpt-4o',
          attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 12, 'gen_ai.usage.completion_tokens': 3 },
          start: 0,
          end: 100,
          events: [
            { name: 'gen_ai.system.message', attributes: { content: 'Be brief.' } },
            { name: 'gen_ai.user.message', attributes: { content: 'Hi' } },
            { name: 'gen_ai.choice', attributes: { index: 0, finish_reason: 'stop', message: JSON.stringify({ role: 'assistant', content: 'Hello!' }) } },
          ],
        },
      ]),
    );
    expect(res.status).toBe(200);
    const s = (await waitForTrace(key, traceId)).spans[0];
    expect(s).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o',
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      input: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] },
      output: { role: 'assistant', content: 'Hello!' },
    });
    expect(s.metadata.provider).toBe('openai');
    expect(s.metadata['otel.events']).toBeUndefined();
  });

  it('maps the captured Vercel AI SDK v6 spans (text, stream, object, embedding) to kinds, models and tokens', async () => {
    const { key } = await makeProject();
    const files = import.meta.glob('./fixtures/otel/openinference_vercel_v6/*.json', { eager: true, import: 'default' }) as Record<string, any[]>;
    const captured = Object.values(files).flat();
    const byName = new Map<string, any>();
    for (const span of captured) {
      const traceId = span.spanContext.traceId;
      const res = await postOtlp(
        key,
        JSON.stringify({
          resourceSpans: [{ scopeSpans: [{ spans: [{ traceId, spanId: span.spanContext.spanId, name: span.name, startTimeUnixNano: String(BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1])), endTimeUnixNano: String(BigInt(span.endTime[0]) * 1_000_000_000n + BigInt(span.endTime[1])), attributes: keyValues(span.attributes), status: span.status }] }] }],
        }),
        'application/json',
      );
      expect(res.status).toBe(200);
      // Keep the first capture of each operation (the files hold two generateText calls).
      if (!byName.has(span.name)) byName.set(span.name, (await waitForTrace(key, traceId)).spans[0]);
    }
    expect(byName.get('ai.generateText')).toMatchObject({ kind: 'agent', model: 'gpt-4o-mini', input: { messages: [{ role: 'user', content: 'Write a haiku about programming.' }] }, usage: { input_tokens: 14, output_tokens: 20 } });
    expect(byName.get('ai.generateText.doGenerate')).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini-2024-07-18', usage: { input_tokens: 14, output_tokens: 20, total_tokens: 34 }, output: { role: 'assistant', content: expect.stringContaining('Lines of code align') } });
    expect(byName.get('ai.generateText.doGenerate').metadata).toMatchObject({ provider: 'openai.responses', testCategory: 'text-generation', customField: 'custom-value', 'ai.response.finishReason': 'stop' });
    expect(byName.get('ai.streamText.doStream')).toMatchObject({ kind: 'llm' });
    expect(byName.get('ai.generateObject')).toMatchObject({ kind: 'chain' });
    expect(typeof byName.get('ai.generateObject').output).toBe('object');
    expect(byName.get('ai.embed.doEmbed')).toMatchObject({ kind: 'embedding' });
    expect(Array.isArray(byName.get('ai.embed.doEmbed').output)).toBe(true);
  });

  it('rejects spans with ids in the wrong format with partial_success and keeps the valid ones', async () => {
    const { key } = await makeProject();
    const good = TRACE(0x600d);
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: 'not-hex-at-all', spanId: '00000000000000d1', name: 'bad trace id' },
                { traceId: good, spanId: 'abcd', name: 'short span id' },
                { traceId: good, spanId: '0000000000000000', name: 'zero span id' },
                { traceId: good, spanId: '00000000000000d2', name: 'fine', startTimeUnixNano: '1767225600000000000', endTimeUnixNano: '1767225600001000000' },
              ],
            },
          ],
        },
      ],
    };
    const res = await postJson(key, body);
    expect(res.status).toBe(200);
    const answer = JSON.parse(new TextDecoder().decode(res.bytes));
    expect(answer.partialSuccess.rejectedSpans).toBe('3');
    expect(answer.partialSuccess.errorMessage).toContain('resourceSpans[0].scopeSpans[0].spans[0].traceId: traceId must be hex');
    expect(answer.partialSuccess.errorMessage).toContain('spans[1].spanId: spanId must be 8 bytes');
    expect(answer.partialSuccess.errorMessage).toContain('spans[2].spanId: spanId must not be all zeros');
    const tree = await waitForTrace(key, good);
    expect(tree.spans.map((s: any) => s.name)).toEqual(['fine']);
  });

  it('answers 400 with a google.rpc.Status for a truncated protobuf body, and stores nothing', async () => {
    const { key, projectId } = await makeProject();
    const bytes = toProtobuf(otlpJson(TRACE(0x7), [{ spanId: '00000000000000e1', name: 'cut', attributes: { 'input.value': 'x'.repeat(200) }, start: 0, end: 1 }]));
    const res = await postOtlp(key, bytes.slice(0, bytes.length - 40) as BodyInit, 'application/x-protobuf');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = fromBinary(StatusSchema, res.bytes);
    expect(status.code).toBe(3);
    expect(status.message).toContain('not a valid OTLP ExportTraceServiceRequest protobuf');
    expect((await env.BLOBS.list({ prefix: `spans/${projectId}/` })).objects).toHaveLength(0);
  });

  it('answers 400 with a JSON Status for malformed JSON', async () => {
    const { key } = await makeProject();
    const res = await postOtlp(key, '{"resourceSpans": [', 'application/json');
    expect(res.status).toBe(400);
    const body = JSON.parse(new TextDecoder().decode(res.bytes));
    expect(body).toMatchObject({ code: 3, error: { code: 'invalid_otlp' } });
    expect(body.message).toContain('not valid JSON');
    const wrongShape = await postOtlp(key, '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}', 'application/json');
    expect(wrongShape.status).toBe(400);
  });

  it('answers 415 for a content type OTLP does not use', async () => {
    const { key } = await makeProject();
    const res = await postOtlp(key, 'hello', 'text/plain');
    expect(res.status).toBe(415);
    expect(JSON.parse(new TextDecoder().decode(res.bytes)).error.message).toContain("Content-Type 'text/plain' is not supported");
  });

  it('needs an API key, accepts it as x-api-key, and keeps each project’s traces to itself', async () => {
    const a = await makeProject('a');
    const b = await makeProject('b');
    const traceId = TRACE(0xabc);
    const body = JSON.stringify(otlpJson(traceId, [{ spanId: '00000000000000f1', name: 'secret', attributes: {}, start: 0, end: 1 }]));
    const anonymous = await exports.default.fetch(new Request('http://loupe.test/otel/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    expect(anonymous.status).toBe(401);
    const viaHeader = await exports.default.fetch(new Request('http://loupe.test/otel/v1/traces', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': a.key }, body }));
    expect(viaHeader.status).toBe(200);
    await waitForTrace(a.key, traceId);
    expect((await api(`/v1/traces/${traceId}`, { key: b.key })).status).toBe(404);
    expect((await api('/v1/traces', { key: b.key })).json.traces).toEqual([]);
  });

  it('rate limits a project with 429 and Retry-After while other projects keep sending', async () => {
    const busy = await makeProject('busy');
    const calm = await makeProject('calm');
    let limited: Awaited<ReturnType<typeof postJson>> | undefined;
    // The limit is 600 requests per 10 s (wrangler.toml) in fixed windows: send waves of 100 cheap
    // empty exports until one is refused (at a few hundred requests a second, within one or two windows).
    for (let wave = 0; wave < 30 && !limited; wave++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => postJson(busy.key, {})));
      for (const res of answers) expect([200, 429]).toContain(res.status);
      limited = answers.find((r) => r.status === 429);
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toBe('10');
    expect(JSON.parse(new TextDecoder().decode(limited!.bytes))).toMatchObject({ code: 8, error: { code: 'rate_limited' } });
    expect((await postJson(calm.key, {})).status).toBe(200);
  }, 60_000);

  it('counts an exported span once however often the exporter retries it', async () => {
    const { key, projectId } = await makeProject();
    const traceId = TRACE(0x12);
    const body = otlpJson(traceId, [{ spanId: '0000000000000011', name: 'once', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 5 }, start: 0, end: 1 }]);
    for (let i = 0; i < 3; i++) expect((await postJson(key, body)).status).toBe(200);
    await eventually(async () => {
      expect((await env.BLOBS.list({ prefix: `spans/${projectId}/` })).objects).toHaveLength(3);
      const { results } = await env.DB.prepare('SELECT count(*) AS n FROM spans WHERE project_id = ?').bind(projectId).all<{ n: number }>();
      expect(results[0].n).toBe(1);
    });
    const tree = await waitForTrace(key, traceId);
    expect(tree.trace.usage.input_tokens).toBe(5);
  });
});
