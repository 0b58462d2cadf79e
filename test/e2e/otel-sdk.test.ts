/**
 * The real OpenTelemetry JS SDK (sdk-trace-base) exporting GenAI-convention spans to a
 * running Loupe with both official OTLP/HTTP exporters: JSON (exporter-trace-otlp-http,
 * configured in code) and protobuf (exporter-trace-otlp-proto, configured only through the
 * standard OTEL_EXPORTER_OTLP_* environment variables, gzip on).
 */
import { describe, it, expect, inject, afterEach } from 'vitest';
import { context, trace, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const loupe = inject('loupe');

async function getTrace(traceId: string, spans: number): Promise<any> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${loupe.url}/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
    last = `${res.status} ${await res.clone().text()}`.slice(0, 300);
    if (res.ok) {
      const tree: any = await res.json();
      if (tree.spans.length >= spans) return tree;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`trace ${traceId} not queryable: ${last}`);
}

/** A weather agent instrumented by hand with the GenAI semantic conventions. */
function runAgent(tracer: Tracer): string {
  // Steps 100 ms apart, as a real agent's are (same-millisecond siblings have no defined order).
  const t0 = Date.now();
  let step = 0;
  const at = () => t0 + 100 * ++step;
  const root = tracer.startSpan('invoke_agent weather-agent', { startTime: t0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-agent', 'gen_ai.conversation.id': 'conv-7' } });
  const ctx = trace.setSpan(context.active(), root);
  const chat = (n: number, input: unknown[], output: unknown[], tokens: [number, number]) => {
    const span = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, startTime: at(), attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.usage.input_tokens': tokens[0], 'gen_ai.usage.output_tokens': tokens[1], 'gen_ai.input.messages': JSON.stringify(input), 'gen_ai.output.messages': JSON.stringify(output), 'gen_ai.response.id': `resp-${n}` } }, ctx);
    span.end(at());
  };
  const user = { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] };
  const call = { role: 'assistant', parts: [{ type: 'tool_call', id: 'call-1', name: 'get_weather', arguments: { city: 'Paris' } }] };
  chat(1, [user], [call], [20, 8]);
  const tool = tracer.startSpan('execute_tool get_weather', { startTime: at(), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'call-1', 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': '{"forecast":"rain","temp_c":14}' } }, ctx);
  tool.end(at());
  chat(2, [user, call, { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call-1', response: { forecast: 'rain', temp_c: 14 } }] }], [{ role: 'assistant', parts: [{ type: 'text', content: 'Rainy, 14°C.' }], finish_reason: 'stop' }], [41, 6]);
  const failing = tracer.startSpan('execute_tool book_umbrella', { startTime: at(), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'book_umbrella' } }, ctx);
  failing.recordException(new Error('no umbrellas left'));
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'no umbrellas left' });
  failing.end(at());
  root.end(at());
  return root.spanContext().traceId;
}

function checkTree(tree: any) {
  expect(tree.spans.map((s: any) => [s.kind, s.name])).toEqual([
    ['agent', 'invoke_agent weather-agent'],
    ['llm', 'chat gpt-4o'],
    ['tool', 'get_weather'],
    ['llm', 'chat gpt-4o'],
    ['tool', 'book_umbrella'],
  ]);
  const [root, llm1, tool, llm2, failing] = tree.spans;
  expect([llm1, tool, llm2, failing].every((s: any) => s.parent_id === root.id)).toBe(true);
  expect(root).toMatchObject({ parent_id: null, session_id: 'conv-7', environment: 'e2e', release: '2.0.0' });
  expect(root.metadata['service.name']).toBe('weather-bot');
  expect(llm1).toMatchObject({ model: 'gpt-4o-2024-08-06', usage: { input_tokens: 20, output_tokens: 8, total_tokens: 28 }, input: { messages: [{ role: 'user', content: 'Weather in Paris?' }] } });
  expect(llm1.output).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] });
  expect(tool).toMatchObject({ input: { city: 'Paris' }, output: { forecast: 'rain', temp_c: 14 }, metadata: { tool_call_id: 'call-1' } });
  expect(llm2.input.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call-1', content: '{"forecast":"rain","temp_c":14}' });
  expect(llm2.output).toEqual({ role: 'assistant', content: 'Rainy, 14°C.' });
  expect(failing).toMatchObject({ status: 'error', error: 'no umbrellas left' });
  expect(tree.trace).toMatchObject({ status: 'error', usage: { input_tokens: 61, output_tokens: 14, total_tokens: 75 } });
}

const resource = resourceFromAttributes({ 'service.name': 'weather-bot', 'service.version': '2.0.0', 'deployment.environment.name': 'e2e' });
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

async function export_(exporter: SpanExporter): Promise<string> {
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const traceId = runAgent(provider.getTracer('weather-bot', '1.0.0'));
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe('OpenTelemetry SDK -> Loupe over OTLP/HTTP', () => {
  it('exports GenAI spans as OTLP/JSON with @opentelemetry/exporter-trace-otlp-http', async () => {
    const exporter = new JsonExporter({ url: `${loupe.url}/otel/v1/traces`, headers: { Authorization: `Bearer ${loupe.apiKey}` } });
    checkTree(await getTrace(await export_(exporter), 5));
  });

  it('exports GenAI spans as gzip protobuf with @opentelemetry/exporter-trace-otlp-proto configured by environment variables', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `${loupe.url}/otel`;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-api-key=${loupe.apiKey}`;
    process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
    checkTree(await getTrace(await export_(new ProtoExporter()), 5));
  });
});
