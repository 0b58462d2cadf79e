/**
 * The official, unmodified `langsmith` npm package tracing into a running Loupe: a nested
 * `traceable` agent (root -> llm -> tool -> llm) and `Client.createFeedback`, configured
 * the drop-in way (LANGSMITH_ENDPOINT / LANGSMITH_API_KEY), read back via GET /v1/traces/:id.
 */
import { describe, it, expect, inject, beforeEach, afterEach } from 'vitest';
import { Client } from 'langsmith';
import { traceable, getCurrentRunTree } from 'langsmith/traceable';

const loupe = inject('loupe');
const saved = { ...process.env };

beforeEach(() => {
  process.env.LANGSMITH_TRACING = 'true';
  process.env.LANGSMITH_ENDPOINT = loupe.url;
  process.env.LANGSMITH_API_KEY = loupe.apiKey;
  process.env.LANGSMITH_PROJECT = 'weather-e2e';
});
afterEach(() => {
  process.env = { ...saved };
});

async function getTrace(traceId: string, ready: (tree: any) => boolean): Promise<any> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${loupe.url}/v1/traces/${traceId}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
    last = `${res.status} ${await res.clone().text()}`.slice(0, 400);
    if (res.ok) {
      const tree: any = await res.json();
      if (ready(tree)) return tree;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`trace ${traceId} not ready: ${last}`);
}

/** Each step takes a few ms, as a real model or tool call does (same-millisecond siblings have no defined order). */
const step = () => new Promise((r) => setTimeout(r, 5));

/** A tool-calling agent written with `traceable`, as LangSmith's docs show. */
function weatherAgent(client: Client) {
  const chat = traceable(
    async (input: { messages: { role: string; content: string | null; tool_call_id?: string }[] }) => {
      await step();
      const last = input.messages[input.messages.length - 1];
      if (last.role === 'user') {
        return { role: 'assistant', content: null, tool_calls: [{ id: 'call-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }], usage_metadata: { input_tokens: 25, output_tokens: 9, total_tokens: 34 } };
      }
      return { role: 'assistant', content: 'Rainy, 14°C.', usage_metadata: { input_tokens: 48, output_tokens: 7, total_tokens: 55 } };
    },
    { name: 'chat', run_type: 'llm', client, metadata: { ls_model_name: 'gpt-4o', ls_provider: 'openai' } },
  );
  const getWeather = traceable(
    async (args: { city: string }) => {
      await step();
      return { city: args.city, forecast: 'rain', temp_c: 14 };
    },
    { name: 'get_weather', run_type: 'tool', client },
  );
  return traceable(
    async (input: { question: string }) => {
      const messages: { role: string; content: string | null; tool_call_id?: string }[] = [{ role: 'user', content: input.question }];
      const first = await chat({ messages: [...messages] });
      const args = JSON.parse(first.tool_calls![0].function.arguments);
      const weather = await getWeather(args);
      messages.push({ role: 'assistant', content: null }, { role: 'tool', content: JSON.stringify(weather), tool_call_id: 'call-1' });
      const answer = await chat({ messages: [...messages] });
      return { answer: answer.content, runId: getCurrentRunTree().id };
    },
    { name: 'weather-agent', run_type: 'chain', client, tags: ['e2e'], metadata: { customer: 'acme' } },
  );
}

function checkTree(tree: any, rootId: string) {
  expect(tree.spans.map((s: any) => [s.name, s.kind])).toEqual([
    ['weather-agent', 'chain'],
    ['chat', 'llm'],
    ['get_weather', 'tool'],
    ['chat', 'llm'],
  ]);
  const [root, llm1, tool, llm2] = tree.spans;
  expect(root).toMatchObject({ id: rootId, parent_id: null, input: { question: 'Weather in Paris?' }, status: 'ok', tags: ['e2e'] });
  expect(root.output).toMatchObject({ answer: 'Rainy, 14°C.' });
  expect(root.metadata).toMatchObject({ customer: 'acme', ls_project: 'weather-e2e' });
  expect([llm1, tool, llm2].every((s: any) => s.parent_id === rootId)).toBe(true);
  expect(llm1).toMatchObject({ model: 'gpt-4o', usage: { input_tokens: 25, output_tokens: 9, total_tokens: 34 }, input: { messages: [{ role: 'user', content: 'Weather in Paris?' }] } });
  expect(llm1.output.tool_calls[0].function.name).toBe('get_weather');
  expect(tool).toMatchObject({ input: { city: 'Paris' }, output: { city: 'Paris', forecast: 'rain', temp_c: 14 } });
  expect(llm2).toMatchObject({ usage: { input_tokens: 48, output_tokens: 7 }, output: { content: 'Rainy, 14°C.' } });
  expect(tree.trace).toMatchObject({ name: 'weather-agent', span_count: 4, usage: { input_tokens: 73, output_tokens: 16, total_tokens: 89 } });
}

describe('the langsmith SDK traces into Loupe unchanged', () => {
  it('sends a nested traceable agent and feedback (LANGSMITH_ENDPOINT, gzip multipart batches)', async () => {
    const client = new Client();
    const agent = weatherAgent(client);
    const { answer, runId } = await agent({ question: 'Weather in Paris?' });
    expect(answer).toBe('Rainy, 14°C.');
    await client.createFeedback(runId, 'user_score', { score: 1, comment: 'helpful', feedbackConfig: { type: 'continuous', min: 0, max: 1 } });
    await client.awaitPendingTraceBatches();
    const tree = await getTrace(runId, (t) => t.spans.length >= 4 && t.spans[0].end_time && t.feedback.length >= 1);
    checkTree(tree, runId);
    expect(tree.feedback).toHaveLength(1);
    expect(tree.feedback[0]).toMatchObject({ key: 'user_score', score: 1, comment: 'helpful', span_id: runId, source: 'sdk', metadata: { feedback_config: { type: 'continuous', min: 0, max: 1 } } });
  });

  it('sends uncompressed streamed multipart to the /api/v1 prefix, with feedback batched by trace id', async () => {
    process.env.LANGSMITH_DISABLE_RUN_COMPRESSION = 'true';
    const client = new Client({ apiUrl: `${loupe.url}/api/v1`, apiKey: loupe.apiKey });
    const agent = weatherAgent(client);
    const { runId } = await agent({ question: 'Weather in Paris?' });
    await client.createFeedback(runId, 'correctness', { score: 0, traceId: runId, comment: 'wrong city', feedbackSourceType: 'model' });
    await client.awaitPendingTraceBatches();
    const tree = await getTrace(runId, (t) => t.spans.length >= 4 && t.spans[0].end_time && t.feedback.length >= 1);
    checkTree(tree, runId);
    expect(tree.feedback[0]).toMatchObject({ key: 'correctness', score: 0, comment: 'wrong city', source: 'evaluator', span_id: runId });
  });
});
