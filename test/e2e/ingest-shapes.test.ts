/**
 * Issue 19 against a running Loupe (`wrangler dev`): shapes other tools really send,
 * posted over HTTP as those tools would. A LangSmith batch from a hand-rolled client
 * (id-less patches, one bad entry) is answered per item; a Firebase Genkit and a Semantic
 * Kernel trace over OTLP/JSON arrive with kind, model, tokens, input and output.
 * The full per-producer matrix is in test/otlp-producers.test.ts (workerd).
 */
import { describe, it, expect, inject } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';

const loupe = inject('loupe');
const auth = { authorization: `Bearer ${loupe.apiKey}` };

async function getTrace(traceId: string, ready: (tree: any) => boolean): Promise<any> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${loupe.url}/v1/traces/${traceId}`, { headers: auth });
    last = `${res.status} ${await res.clone().text()}`.slice(0, 300);
    if (res.ok) {
      const tree: any = await res.json();
      if (ready(tree)) return tree;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`trace ${traceId} not ready: ${last}`);
}

const kv = (attrs: Record<string, string | number>) => Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

describe('drop-in shapes through wrangler dev', () => {
  it('answers a LangSmith /runs/batch per item: id-less patches find their run by dotted_order, a bad entry is rejected, the rest stored', async () => {
    const root = randomUUID();
    const child = randomUUID();
    const order = `20260101T000000000000Z${root}`;
    const childOrder = `${order}.20260101T000001000000Z${child}`;
    const body = {
      post: [
        { id: root, trace_id: root, dotted_order: order, name: 'agent', run_type: 'chain', start_time: '2026-01-01T00:00:00Z', inputs: { q: 'refund?' } },
        { id: child, trace_id: root, dotted_order: childOrder, name: 'llm', run_type: 'llm', start_time: '2026-01-01T00:00:01Z', inputs: { messages: [] }, extra: { metadata: { ls_model_name: 'gpt-4o-mini' } } },
      ],
      patch: [
        { dotted_order: childOrder, trace_id: root, end_time: '2026-01-01T00:00:02Z', outputs: { usage_metadata: { input_tokens: 5, output_tokens: 2 } } },
        { trace_id: root, end_time: '2026-01-01T00:00:03Z' },
        { dotted_order: order, end_time: '2026-01-01T00:00:04Z', outputs: { answer: 'yes' } },
      ],
    };
    const res = await fetch(`${loupe.url}/runs/batch`, { method: 'POST', headers: { 'x-api-key': loupe.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(207);
    const answer: any = await res.json();
    expect(answer.rejected).toHaveLength(1);
    expect(answer.rejected[0]).toMatchObject({ index: 3, path: 'patch[1].id' });
    const tree = await getTrace(root, (t) => t.spans.length === 2 && t.spans.every((s: any) => s.output !== undefined));
    const byId = Object.fromEntries(tree.spans.map((s: any) => [s.id, s]));
    expect(byId[root]).toMatchObject({ output: { answer: 'yes' }, latency_ms: 4000 });
    expect(byId[child]).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', usage: { input_tokens: 5, output_tokens: 2 } });
  });

  it('maps a Firebase Genkit model span and a Semantic Kernel chat span sent over OTLP/JSON', async () => {
    const traceId = randomBytes(16).toString('hex');
    const t0 = Date.now();
    const span = (id: string, name: string, attributes: any[], events: any[] = []) => ({ traceId, spanId: id, name, kind: 1, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 500), attributes, events, status: { code: 1 } });
    const genkit = span('a1a1a1a1a1a1a1a1', 'googleai/gemini-2.0-flash', kv({
      'genkit:type': 'action',
      'genkit:metadata:subtype': 'model',
      'genkit:name': 'googleai/gemini-2.0-flash',
      'genkit:input': JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }),
      'genkit:output': JSON.stringify({ message: { role: 'model', content: [{ text: 'Hello!' }] }, usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } }),
    }));
    const sk = span('b2b2b2b2b2b2b2b2', 'chat.completions gpt-4o', kv({ 'gen_ai.operation.name': 'chat.completions', 'gen_ai.system': 'openai', 'gen_ai.response.model': 'gpt-4o-2024-08-06', 'gen_ai.usage.input_tokens': 9, 'gen_ai.usage.output_tokens': 4 }), [
      { name: 'gen_ai.user.message', timeUnixNano: nanos(t0), attributes: kv({ 'gen_ai.event.content': JSON.stringify({ role: 'user', content: 'Sky color?' }) }) },
      { name: 'gen_ai.choice', timeUnixNano: nanos(t0 + 500), attributes: kv({ 'gen_ai.event.content': JSON.stringify({ index: 0, message: { role: 'assistant', content: 'Blue.' }, finish_reason: 'Stop' }) }) },
    ]);
    const res = await fetch(`${loupe.url}/otel/v1/traces`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ resource: { attributes: kv({ 'service.name': 'shapes' }) }, scopeSpans: [{ scope: { name: 'e2e' }, spans: [genkit, sk] }] }] }) });
    expect(res.status).toBe(200);
    const tree = await getTrace(traceId, (t) => t.spans.length === 2);
    const byId = Object.fromEntries(tree.spans.map((s: any) => [s.id, s]));
    expect(byId.a1a1a1a1a1a1a1a1).toMatchObject({ kind: 'llm', model: 'gemini-2.0-flash', usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 }, input: { messages: [{ role: 'user', content: 'Hi' }] }, output: { role: 'assistant', content: 'Hello!' } });
    expect(byId.b2b2b2b2b2b2b2b2).toMatchObject({ kind: 'llm', model: 'gpt-4o-2024-08-06', usage: { input_tokens: 9, output_tokens: 4 }, input: { messages: [{ role: 'user', content: 'Sky color?' }] }, output: { content: 'Blue.' } });
  });
});
