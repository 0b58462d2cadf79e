/**
 * OTLP spans in the shapes other producers really send (written from each producer's
 * documentation and instrumentation source), posted through POST /otel/v1/traces: the
 * stored kind, model, tokens, input and output.
 */
import { describe, it, expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { makeProject, waitForTrace } from './helpers.ts';
import { otlpJson, keyValues, type PlainSpan } from './fixtures/otel/paris-chat.ts';

let traceNo = 0x5000;
const nextTrace = () => (traceNo++).toString(16).padStart(32, '0');

async function post(key: string, body: unknown) {
  const res = await exports.default.fetch(
    new Request('http://loupe.test/otel/v1/traces', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  );
  return { status: res.status, json: (await res.json()) as any };
}

/** Posts one trace of `spans`, waits for it, and returns its spans by id. */
async function ingest(spans: PlainSpan[], resource?: Record<string, unknown>): Promise<Record<string, any>> {
  const { key } = await makeProject();
  const traceId = nextTrace();
  const res = await post(key, otlpJson(traceId, spans, resource));
  expect(res.status).toBe(200);
  expect(res.json.partialSuccess?.rejectedSpans ?? '0').toBe('0');
  const tree = await waitForTrace(key, traceId, spans.length);
  return Object.fromEntries(tree.spans.map((s: any) => [s.id, s]));
}

const S = (n: number) => n.toString(16).padStart(16, '0');

describe('OTLP producers', () => {
  it('Semantic Kernel 1.55: chat.completions with gen_ai.response.model and gen_ai.*.message / gen_ai.choice events (bodies in gen_ai.event.content) is an LLM call', async () => {
    const spans = await ingest([
      {
        spanId: S(1),
        name: 'chat.completions gpt-4o-mini',
        kind: 3,
        start: 0,
        end: 900,
        attributes: {
          'gen_ai.operation.name': 'chat.completions',
          'gen_ai.system': 'openai',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.response.id': 'chatcmpl-B1',
          'gen_ai.response.finish_reason': '[Stop]',
          'gen_ai.usage.input_tokens': 27,
          'gen_ai.usage.output_tokens': 9,
        },
        events: [
          { name: 'gen_ai.system.message', attributes: { 'gen_ai.system': 'openai', 'gen_ai.event.content': JSON.stringify({ role: 'system', content: 'You are a helpful assistant.' }) } },
          { name: 'gen_ai.user.message', attributes: { 'gen_ai.system': 'openai', 'gen_ai.event.content': JSON.stringify({ role: 'user', content: 'Why is the sky blue?' }) } },
          { name: 'gen_ai.choice', at: 900, attributes: { 'gen_ai.system': 'openai', 'gen_ai.event.content': JSON.stringify({ index: 0, message: { role: 'Assistant', content: 'Rayleigh scattering.' }, finish_reason: 'Stop' }) } },
        ],
      },
    ]);
    const s = spans[S(1)];
    expect(s).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { input_tokens: 27, output_tokens: 9, total_tokens: 36 },
      input: { messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Why is the sky blue?' }] },
      output: { content: 'Rayleigh scattering.' },
    });
    expect(s.metadata['otel.events']).toBeUndefined();
  });

  it('GenAI event form with only gen_ai.response.model (no operation, no request model) is an LLM call with its messages', async () => {
    const spans = await ingest([
      {
        spanId: S(2),
        name: 'chat',
        start: 0,
        end: 500,
        attributes: { 'gen_ai.response.model': 'claude-3-5-haiku-20241022', 'gen_ai.usage.input_tokens': 11, 'gen_ai.usage.output_tokens': 4 },
        events: [
          { name: 'gen_ai.user.message', attributes: { content: 'Say hi' } },
          { name: 'gen_ai.choice', attributes: { index: 0, finish_reason: 'end_turn', message: JSON.stringify({ content: 'Hi!' }) } },
        ],
      },
    ]);
    expect(spans[S(2)]).toMatchObject({ kind: 'llm', model: 'claude-3-5-haiku-20241022', usage: { input_tokens: 11, output_tokens: 4 }, input: { messages: [{ role: 'user', content: 'Say hi' }] }, output: { role: 'assistant', content: 'Hi!' } });
  });

  it('a Vercel ai.generateText span naming only gen_ai.response.model is an LLM call with its prompt and text', async () => {
    const spans = await ingest([
      {
        spanId: S(3),
        name: 'ai.generateText',
        start: 0,
        end: 700,
        attributes: {
          'gen_ai.response.model': 'gpt-4.1-nano-2025-04-14',
          'ai.prompt': JSON.stringify({ system: 'Be brief.', prompt: 'Capital of France?' }),
          'ai.response.text': 'Paris.',
          'ai.response.finishReason': 'stop',
          'ai.usage.promptTokens': 14,
          'ai.usage.completionTokens': 2,
        },
      },
    ]);
    expect(spans[S(3)]).toMatchObject({
      kind: 'llm',
      model: 'gpt-4.1-nano-2025-04-14',
      usage: { input_tokens: 14, output_tokens: 2 },
      input: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] },
      output: { role: 'assistant', content: 'Paris.' },
    });
  });

  it('OpenInference llm.input_messages / llm.output_messages without openinference.span.kind are an LLM call', async () => {
    const spans = await ingest([
      {
        spanId: S(4),
        name: 'ChatCompletion',
        start: 0,
        end: 400,
        attributes: {
          'llm.input_messages.0.message.role': 'system',
          'llm.input_messages.0.message.content': 'You answer in French.',
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.content': 'Hello',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': 'Bonjour',
          'llm.token_count.prompt': 12,
          'llm.token_count.completion': 3,
        },
      },
    ]);
    expect(spans[S(4)]).toMatchObject({
      kind: 'llm',
      usage: { input_tokens: 12, output_tokens: 3 },
      input: { messages: [{ role: 'system', content: 'You answer in French.' }, { role: 'user', content: 'Hello' }] },
      output: { role: 'assistant', content: 'Bonjour' },
    });
  });

  it('Pydantic AI: the agent run span maps pydantic_ai.all_messages to input and final_result to output', async () => {
    const allMessages = [
      { role: 'system', parts: [{ type: 'text', content: 'Be concise, reply with one sentence.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Where does "hello world" come from?' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'It first appeared in a 1974 Bell Labs tutorial.' }], finish_reason: 'stop' },
    ];
    const spans = await ingest([
      {
        spanId: S(5),
        name: 'agent run',
        start: 0,
        end: 1200,
        attributes: {
          model_name: 'gpt-4o',
          agent_name: 'agent',
          'gen_ai.agent.name': 'agent',
          'logfire.msg': 'agent run',
          'logfire.span_type': 'span',
          final_result: 'It first appeared in a 1974 Bell Labs tutorial.',
          'gen_ai.usage.input_tokens': 56,
          'gen_ai.usage.output_tokens': 12,
          'pydantic_ai.all_messages': JSON.stringify(allMessages),
          'logfire.json_schema': JSON.stringify({ type: 'object', properties: { pydantic_ai: { type: 'object' }, final_result: { type: 'object' } } }),
        },
      },
      {
        spanId: S(6),
        parentSpanId: S(5),
        name: 'chat gpt-4o',
        kind: 3,
        start: 10,
        end: 1100,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 56,
          'gen_ai.usage.output_tokens': 12,
          'gen_ai.input.messages': JSON.stringify(allMessages.slice(0, 2)),
          'gen_ai.output.messages': JSON.stringify(allMessages.slice(2)),
        },
      },
    ]);
    expect(spans[S(5)]).toMatchObject({
      kind: 'agent',
      input: { messages: [{ role: 'system', content: 'Be concise, reply with one sentence.' }, { role: 'user', content: 'Where does "hello world" come from?' }, { role: 'assistant', content: 'It first appeared in a 1974 Bell Labs tutorial.' }] },
      output: 'It first appeared in a 1974 Bell Labs tutorial.',
    });
    expect(spans[S(6)]).toMatchObject({ kind: 'llm', model: 'gpt-4o-2024-08-06', usage: { input_tokens: 56, output_tokens: 12 } });
  });

  it('Firebase Genkit: genkit:* attributes give the flow, the model call (model, tokens, messages) and the tool', async () => {
    const request = {
      messages: [
        { role: 'system', content: [{ text: 'You are a travel agent.' }] },
        { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      ],
      config: { temperature: 0.2 },
      tools: [{ name: 'getWeather', description: 'Current weather', inputSchema: { type: 'object' } }],
    };
    const response = {
      message: { role: 'model', content: [{ toolRequest: { name: 'getWeather', ref: 'call-1', input: { city: 'Paris' } } }] },
      finishReason: 'stop',
      usage: { inputTokens: 31, outputTokens: 8, totalTokens: 39, inputCharacters: 52 },
      latencyMs: 640,
    };
    const spans = await ingest([
      {
        spanId: S(7),
        name: 'travelFlow',
        start: 0,
        end: 2000,
        attributes: {
          'genkit:type': 'action',
          'genkit:metadata:subtype': 'flow',
          'genkit:name': 'travelFlow',
          'genkit:isRoot': true,
          'genkit:path': '/{travelFlow,t:flow}',
          'genkit:input': JSON.stringify('Weather in Paris?'),
          'genkit:output': JSON.stringify('Rainy, 14°C.'),
          'genkit:state': 'success',
          'genkit:sessionId': 'sess-7',
        },
      },
      {
        spanId: S(8),
        parentSpanId: S(7),
        name: 'googleai/gemini-2.0-flash',
        start: 10,
        end: 700,
        attributes: {
          'genkit:type': 'action',
          'genkit:metadata:subtype': 'model',
          'genkit:name': 'googleai/gemini-2.0-flash',
          'genkit:path': '/{travelFlow,t:flow}/{generate,t:util}/{googleai/gemini-2.0-flash,t:action,s:model}',
          'genkit:input': JSON.stringify(request),
          'genkit:output': JSON.stringify(response),
          'genkit:state': 'success',
        },
      },
      {
        spanId: S(9),
        parentSpanId: S(7),
        name: 'getWeather',
        start: 710,
        end: 900,
        attributes: {
          'genkit:type': 'action',
          'genkit:metadata:subtype': 'tool',
          'genkit:name': 'getWeather',
          'genkit:path': '/{travelFlow,t:flow}/{getWeather,t:action,s:tool}',
          'genkit:input': JSON.stringify({ city: 'Paris' }),
          'genkit:output': JSON.stringify({ sky: 'rain', celsius: 14 }),
          'genkit:state': 'success',
        },
      },
    ]);
    expect(spans[S(7)]).toMatchObject({ kind: 'chain', name: 'travelFlow', input: 'Weather in Paris?', output: 'Rainy, 14°C.', session_id: 'sess-7' });
    expect(spans[S(8)]).toMatchObject({
      kind: 'llm',
      model: 'gemini-2.0-flash',
      usage: { input_tokens: 31, output_tokens: 8, total_tokens: 39 },
      input: { messages: [{ role: 'system', content: 'You are a travel agent.' }, { role: 'user', content: 'Weather in Paris?' }] },
      output: { role: 'assistant', tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'getWeather', arguments: '{"city":"Paris"}' } }] },
    });
    expect(spans[S(8)].metadata).toMatchObject({ provider: 'googleai', 'genkit:path': expect.stringContaining('s:model') });
    expect(spans[S(9)]).toMatchObject({ kind: 'tool', name: 'getWeather', input: { city: 'Paris' }, output: { sky: 'rain', celsius: 14 } });
  });

  it('Vercel AI SDK embeddings identified only by operation.name (no ai.operationId) are embedding spans', async () => {
    const spans = await ingest([
      {
        spanId: S(10),
        name: 'ai.embed.doEmbed',
        start: 0,
        end: 300,
        attributes: {
          'operation.name': 'ai.embed.doEmbed my-embedder',
          'resource.name': 'my-embedder',
          'ai.model.provider': 'openai.embedding',
          'ai.model.id': 'text-embedding-3-small',
          'ai.values': ['"sunny day at the beach"'],
          'ai.embeddings': ['[0.1,0.2,0.3]'],
          'ai.usage.tokens': 5,
        },
      },
    ]);
    expect(spans[S(10)]).toMatchObject({ kind: 'embedding', model: 'text-embedding-3-small', usage: { total_tokens: 5 }, input: ['sunny day at the beach'], output: [[0.1, 0.2, 0.3]] });
  });

  it('reads OTLP times as nanoseconds always: a small startTimeUnixNano is kept, not refused as epoch seconds', async () => {
    const { key } = await makeProject();
    const traceId = nextTrace();
    const body = {
      resourceSpans: [
        {
          resource: { attributes: keyValues({ 'service.name': 'test-clock' }) },
          scopeSpans: [{ scope: { name: 't' }, spans: [{ traceId, spanId: S(11), name: 'tick', kind: 1, startTimeUnixNano: '1000000000', endTimeUnixNano: '1250000000', attributes: [], status: { code: 1 } }] }],
        },
      ],
    };
    const res = await post(key, body);
    expect(res.status).toBe(200);
    expect(res.json.partialSuccess).toBeUndefined();
    const tree = await waitForTrace(key, traceId);
    expect(tree.spans[0]).toMatchObject({ name: 'tick', start_time: '1970-01-01T00:00:01.000Z', latency_ms: 250 });
  });

  it('OpenLLMetry / Traceloop: @workflow and @tool spans (traceloop.entity.*) and an openai.chat span with gen_ai.prompt.N.* / gen_ai.completion.N.* and a tool call', async () => {
    const spans = await ingest([
      {
        spanId: S(20),
        name: 'joke_workflow.workflow',
        start: 0,
        end: 3000,
        attributes: {
          'traceloop.span.kind': 'workflow',
          'traceloop.workflow.name': 'joke_workflow',
          'traceloop.entity.name': 'joke_workflow',
          'traceloop.entity.input': JSON.stringify({ args: ['opentelemetry'], kwargs: {} }),
          'traceloop.entity.output': JSON.stringify('Why did the span cross the road?'),
        },
      },
      {
        spanId: S(21),
        parentSpanId: S(20),
        name: 'openai.chat',
        kind: 3,
        start: 10,
        end: 1500,
        attributes: {
          'llm.request.type': 'chat',
          'gen_ai.system': 'OpenAI',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'llm.is_streaming': false,
          'gen_ai.prompt.0.role': 'system',
          'gen_ai.prompt.0.content': 'You are a comedian.',
          'gen_ai.prompt.1.role': 'user',
          'gen_ai.prompt.1.content': 'Tell a joke about opentelemetry',
          'gen_ai.completion.0.role': 'assistant',
          'gen_ai.completion.0.finish_reason': 'tool_calls',
          'gen_ai.completion.0.tool_calls.0.id': 'call_abc',
          'gen_ai.completion.0.tool_calls.0.name': 'get_joke',
          'gen_ai.completion.0.tool_calls.0.arguments': '{"topic": "opentelemetry"}',
          'gen_ai.usage.prompt_tokens': 24,
          'gen_ai.usage.completion_tokens': 15,
          'llm.usage.total_tokens': 39,
        },
      },
      {
        spanId: S(22),
        parentSpanId: S(20),
        name: 'get_joke.tool',
        start: 1600,
        end: 1700,
        attributes: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'get_joke', 'traceloop.entity.input': JSON.stringify({ args: [], kwargs: { topic: 'opentelemetry' } }), 'traceloop.entity.output': JSON.stringify('Why did the span cross the road?') },
      },
    ]);
    expect(spans[S(20)]).toMatchObject({ kind: 'chain', input: { args: ['opentelemetry'], kwargs: {} }, output: 'Why did the span cross the road?' });
    expect(spans[S(21)]).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-2024-08-06',
      usage: { input_tokens: 24, output_tokens: 15, total_tokens: 39 },
      input: { messages: [{ role: 'system', content: 'You are a comedian.' }, { role: 'user', content: 'Tell a joke about opentelemetry' }] },
      output: { role: 'assistant', tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_joke', arguments: '{"topic":"opentelemetry"}' } }] },
    });
    expect(spans[S(21)].metadata.provider).toBe('OpenAI');
    expect(spans[S(22)]).toMatchObject({ kind: 'tool', input: { args: [], kwargs: { topic: 'opentelemetry' } }, output: 'Why did the span cross the road?' });
  });

  it('OpenLIT: a chat span with gen_ai.* attributes, cost, and the prompt / completion events', async () => {
    const spans = await ingest([
      {
        spanId: S(23),
        name: 'chat gpt-4o-mini',
        kind: 3,
        start: 0,
        end: 800,
        attributes: {
          'telemetry.sdk.name': 'openlit',
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.usage.input_tokens': 13,
          'gen_ai.usage.output_tokens': 7,
          'gen_ai.usage.total_tokens': 20,
          'gen_ai.usage.cost': 0.0000062,
          'gen_ai.response.finish_reasons': ['stop'],
        },
        events: [
          { name: 'gen_ai.content.prompt', attributes: { 'gen_ai.prompt': 'user: What is LLM Observability?' } },
          { name: 'gen_ai.content.completion', at: 800, attributes: { 'gen_ai.completion': 'Watching what your model does in production.' } },
        ],
      },
    ]);
    expect(spans[S(23)]).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { input_tokens: 13, output_tokens: 7, total_tokens: 20, cost_usd: 0.0000062 },
      input: { messages: [{ role: 'user', content: 'user: What is LLM Observability?' }] },
      output: { role: 'assistant', content: 'Watching what your model does in production.' },
    });
  });

  it('LlamaIndex through OpenInference: query (chain), retrieve (documents), embedding and LLM spans', async () => {
    const spans = await ingest([
      { spanId: S(30), name: 'RetrieverQueryEngine.query', start: 0, end: 2000, attributes: { 'openinference.span.kind': 'CHAIN', 'input.value': 'What did the author do growing up?', 'output.value': 'He wrote short stories.', 'output.mime_type': 'text/plain' } },
      {
        spanId: S(31),
        parentSpanId: S(30),
        name: 'VectorIndexRetriever.retrieve',
        start: 10,
        end: 300,
        attributes: {
          'openinference.span.kind': 'RETRIEVER',
          'input.value': 'What did the author do growing up?',
          'retrieval.documents.0.document.id': 'doc-1',
          'retrieval.documents.0.document.score': 0.82,
          'retrieval.documents.0.document.content': 'I wrote short stories.',
          'retrieval.documents.0.document.metadata': JSON.stringify({ file_name: 'paul_graham_essay.txt' }),
        },
      },
      {
        spanId: S(32),
        parentSpanId: S(31),
        name: 'OpenAIEmbedding.get_query_embedding',
        start: 20,
        end: 100,
        attributes: { 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-ada-002', 'embedding.embeddings.0.embedding.text': 'What did the author do growing up?', 'embedding.embeddings.0.embedding.vector': [0.01, -0.02] },
      },
      {
        spanId: S(33),
        parentSpanId: S(30),
        name: 'OpenAI.chat',
        start: 400,
        end: 1900,
        attributes: {
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'gpt-3.5-turbo',
          'llm.invocation_parameters': JSON.stringify({ temperature: 0.1, model: 'gpt-3.5-turbo' }),
          'llm.input_messages.0.message.role': 'system',
          'llm.input_messages.0.message.content': 'Answer from the context.',
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.content': 'Context: I wrote short stories. Question: What did the author do growing up?',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.content': 'He wrote short stories.',
          'llm.token_count.prompt': 40,
          'llm.token_count.completion': 6,
          'llm.token_count.total': 46,
        },
      },
    ]);
    expect(spans[S(30)]).toMatchObject({ kind: 'chain', input: 'What did the author do growing up?', output: 'He wrote short stories.' });
    expect(spans[S(31)]).toMatchObject({ kind: 'retriever', output: { documents: [{ id: 'doc-1', score: 0.82, content: 'I wrote short stories.', metadata: { file_name: 'paul_graham_essay.txt' } }] } });
    expect(spans[S(32)]).toMatchObject({ kind: 'embedding', model: 'text-embedding-ada-002', input: ['What did the author do growing up?'], output: [[0.01, -0.02]] });
    expect(spans[S(33)]).toMatchObject({ kind: 'llm', model: 'gpt-3.5-turbo', usage: { input_tokens: 40, output_tokens: 6, total_tokens: 46 }, output: { role: 'assistant', content: 'He wrote short stories.' } });
  });

  it('LangChain through OpenInference: chain, a chat model answering with a tool call, and the tool', async () => {
    const spans = await ingest([
      { spanId: S(40), name: 'AgentExecutor', start: 0, end: 3000, attributes: { 'openinference.span.kind': 'CHAIN', 'input.value': JSON.stringify({ input: 'What is 3 * 12?' }), 'input.mime_type': 'application/json', 'output.value': JSON.stringify({ output: '36' }), 'output.mime_type': 'application/json', metadata: JSON.stringify({ ls_run_name: 'agent' }) } },
      {
        spanId: S(41),
        parentSpanId: S(40),
        name: 'ChatOpenAI',
        start: 10,
        end: 900,
        attributes: {
          'openinference.span.kind': 'LLM',
          'llm.model_name': 'gpt-4o-mini',
          'llm.provider': 'openai',
          'llm.input_messages.0.message.role': 'user',
          'llm.input_messages.0.message.content': 'What is 3 * 12?',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_m1',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'multiply',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"a": 3, "b": 12}',
          'llm.token_count.prompt': 60,
          'llm.token_count.completion': 18,
        },
      },
      { spanId: S(42), parentSpanId: S(40), name: 'multiply', start: 950, end: 960, attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'multiply', 'input.value': '{"a": 3, "b": 12}', 'output.value': '36' } },
    ]);
    expect(spans[S(40)]).toMatchObject({ kind: 'chain', input: { input: 'What is 3 * 12?' }, output: { output: '36' } });
    expect(spans[S(41)]).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', usage: { input_tokens: 60, output_tokens: 18 }, output: { tool_calls: [{ id: 'call_m1', function: { name: 'multiply', arguments: '{"a":3,"b":12}' } }] } });
    expect(spans[S(42)]).toMatchObject({ kind: 'tool', name: 'multiply', input: { a: 3, b: 12 }, output: 36 });
  });

  it('the OpenAI Agents SDK tracing export (through openinference-instrumentation-openai-agents): agent, response and function spans', async () => {
    const spans = await ingest([
      { spanId: S(50), name: 'Assistant', start: 0, end: 2500, attributes: { 'openinference.span.kind': 'AGENT', 'graph.node.id': 'Assistant' } },
      {
        spanId: S(51),
        parentSpanId: S(50),
        name: 'response',
        start: 10,
        end: 1200,
        attributes: {
          'openinference.span.kind': 'LLM',
          'llm.system': 'openai',
          'llm.provider': 'openai',
          'llm.model_name': 'gpt-4o-2024-08-06',
          'llm.invocation_parameters': JSON.stringify({ model: 'gpt-4o' }),
          'llm.input_messages.0.message.role': 'system',
          'llm.input_messages.0.message.content': 'You are a helpful assistant',
          'llm.input_messages.1.message.role': 'user',
          'llm.input_messages.1.message.content': 'What is the weather in Tokyo?',
          'llm.output_messages.0.message.role': 'assistant',
          'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_w1',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
          'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Tokyo"}',
          'llm.token_count.prompt': 52,
          'llm.token_count.completion': 16,
          'llm.token_count.total': 68,
          'output.value': JSON.stringify({ id: 'resp_1', model: 'gpt-4o-2024-08-06' }),
          'output.mime_type': 'application/json',
        },
      },
      { spanId: S(52), parentSpanId: S(50), name: 'get_weather', start: 1250, end: 1300, attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'get_weather', 'input.value': '{"city":"Tokyo"}', 'input.mime_type': 'application/json', 'output.value': 'The weather in Tokyo is sunny.' } },
    ]);
    expect(spans[S(50)]).toMatchObject({ kind: 'agent', name: 'Assistant' });
    expect(spans[S(51)]).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-2024-08-06',
      usage: { input_tokens: 52, output_tokens: 16, total_tokens: 68 },
      input: { messages: [{ role: 'system', content: 'You are a helpful assistant' }, { role: 'user', content: 'What is the weather in Tokyo?' }] },
      output: { role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } }] },
    });
    expect(spans[S(52)]).toMatchObject({ kind: 'tool', name: 'get_weather', input: { city: 'Tokyo' }, output: 'The weather in Tokyo is sunny.' });
  });

  it('Logfire instrument_openai: request_data / response_data give the messages, gen_ai.* the model and tokens', async () => {
    const spans = await ingest([
      {
        spanId: S(60),
        name: 'Chat Completion with {request_data[model]!r}',
        start: 0,
        end: 900,
        attributes: {
          'logfire.msg_template': 'Chat Completion with {request_data[model]!r}',
          'logfire.msg': "Chat Completion with 'gpt-4o'",
          'logfire.span_type': 'span',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 19,
          'gen_ai.usage.output_tokens': 5,
          async: false,
          request_data: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Largest planet?' }] }),
          response_data: JSON.stringify({ message: { role: 'assistant', content: 'Jupiter.', tool_calls: null, refusal: null }, usage: { prompt_tokens: 19, completion_tokens: 5, total_tokens: 24 } }),
        },
      },
    ]);
    expect(spans[S(60)]).toMatchObject({
      kind: 'llm',
      model: 'gpt-4o-2024-08-06',
      usage: { input_tokens: 19, output_tokens: 5, total_tokens: 24 },
      input: { messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Largest planet?' }] },
      output: { role: 'assistant', content: 'Jupiter.' },
    });
  });
});
