/**
 * Benchmark: the OTLP/HTTP protobuf path (POST /otel/v1/traces), spans/s to queryable.
 * The spans are made by the real OpenTelemetry SDK (GenAI semantic conventions) and
 * encoded by the OTLP exporters' own protobuf serializer before the clock starts.
 * Standalone: `node bench/ingest-compat.ts` runs it next to the native path and the
 * LangSmith path and reports ratios.
 */
import { ROOT_CONTEXT, trace, SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BASE_TIME, sendAll, stepBatches, waitQueryable, type BenchLoupe, type BenchResult, type Step, type Workload } from './compat-workload.ts';

/** Collects finished spans instead of exporting them. */
class Collector implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const parts = (messages: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }[]) =>
  messages.map((m) => ({
    role: m.role,
    parts: [...(m.content ? [{ type: 'text', content: m.content }] : []), ...(m.tool_calls ?? []).map((c) => ({ type: 'tool_call', id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) }))],
  }));

function attributesOf(step: Step, tag: string): Record<string, string | number | string[]> {
  if (step.kind === 'agent') {
    return { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': step.name, 'gen_ai.input.messages': JSON.stringify(parts((step.input as any).messages)), 'gen_ai.output.messages': JSON.stringify(parts([step.output as any])), 'tag.tags': [tag] };
  }
  if (step.kind === 'llm') {
    return {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': step.model!,
      'gen_ai.usage.input_tokens': step.usage!.input_tokens,
      'gen_ai.usage.output_tokens': step.usage!.output_tokens,
      'gen_ai.input.messages': JSON.stringify(parts((step.input as any).messages)),
      'gen_ai.output.messages': JSON.stringify(parts([step.output as any])),
    };
  }
  return { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': step.name, 'gen_ai.tool.call.arguments': JSON.stringify(step.input), 'gen_ai.tool.call.result': JSON.stringify(step.output) };
}

/** Builds the protobuf export requests (one per batch) and the id of the last trace. */
export function buildOtlpRequests(workload: Workload): { bodies: Uint8Array[]; spans: number; lastTraceId: string } {
  const collector = new Collector();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'airline-agent', 'deployment.environment.name': 'bench' }), spanProcessors: [collector] });
  const tracer = provider.getTracer('loupe-bench', '1.0.0');
  const bodies: Uint8Array[] = [];
  let spans = 0;
  let lastTraceId = '';
  for (const batch of stepBatches(workload)) {
    collector.spans = [];
    let root: ReturnType<typeof tracer.startSpan> | undefined;
    let rootEnd = 0;
    for (const step of batch) {
      const t0 = BASE_TIME + step.trace * 10;
      if (step.kind === 'agent') {
        // Batches hold whole traces (stepBatches guarantees it), so every trace starts with its root.
        root?.end(rootEnd);
        root = tracer.startSpan(`invoke_agent ${step.name}`, { startTime: t0, attributes: attributesOf(step, workload.tag) }, ROOT_CONTEXT);
        rootEnd = t0 + step.end;
        lastTraceId = root.spanContext().traceId;
        continue;
      }
      const child = tracer.startSpan(step.kind === 'llm' ? `chat ${step.model}` : `execute_tool ${step.name}`, { kind: step.kind === 'llm' ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: t0 + step.start, attributes: attributesOf(step, workload.tag) }, trace.setSpan(ROOT_CONTEXT, root!));
      child.end(t0 + step.end);
    }
    root?.end(rootEnd);
    spans += collector.spans.length;
    bodies.push(ProtobufTraceSerializer.serializeRequest(collector.spans)!);
  }
  return { bodies, spans, lastTraceId };
}

/** Posts the workload over OTLP/HTTP protobuf and waits until every span is queryable. */
export async function benchOtlp(loupe: BenchLoupe, workload: Workload): Promise<BenchResult> {
  const { bodies, spans, lastTraceId } = buildOtlpRequests(workload);
  const headers = { 'content-type': 'application/x-protobuf', authorization: `Bearer ${loupe.apiKey}` };
  const started = performance.now();
  await sendAll(bodies.map((body) => () => fetch(`${loupe.url}/otel/v1/traces`, { method: 'POST', headers, body: body as unknown as BodyInit })), workload.concurrency);
  const sent = performance.now();
  await waitQueryable(loupe, workload.tag, workload.traces, spans, lastTraceId);
  return { spans, seconds: (performance.now() - started) / 1000, sendSeconds: (sent - started) / 1000 };
}
