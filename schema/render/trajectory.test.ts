/**
 * Golden tests for the trajectory renderer on real tau-bench conversations (the demo data,
 * shaped exactly as GET /v1/traces/:id returns it; test/taubench-tree.test.ts holds the
 * shape to the real API). Golden files live in __golden__/; after an intended change,
 * review the diff of `npx vitest run --project workers schema/render -u`.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import demo from '../../demo/taubench-airline.json';
import { renderTrace, estimateTokens } from './trajectory.ts';
import { taubenchTrees, treeFromSpans } from '../../scripts/demo/taubench-tree.ts';
import { weatherChat, type ChatDialect } from '../../test/fixtures/chats.ts';
import type { TauBenchItem } from '../../scripts/demo/taubench.ts';
import type { TraceTree } from '../wire/trace.ts';

const trees = taubenchTrees(demo as unknown as TauBenchItem[]);
const tree = (id: string): TraceTree => structuredClone(trees.find((t) => t.trace.id === `taubench-airline-${id}`)!);
/** The conversation with the most spans (58): the budget's hardest case. */
const longest = tree('2-1');
/** A failed conversation whose one failing tool call must survive folding. */
const withError = tree('0-1');
const golden = (name: string) => `./__golden__/${name}.md`;

describe('rendering a tau-bench trajectory', () => {
  it('shows a short solved conversation whole: header, outcome feedback, every message and tool call', async () => {
    const text = renderTrace(tree('35-3'));
    await expect(text).toMatchFileSnapshot(golden('35-3.default'));
    expect(text).toContain('outcome = 1');
    expect(text).toContain('[tool] ');
  });

  it('shows a failed tool call as ERROR with its message once, and the failed outcome', async () => {
    const text = renderTrace(withError);
    await expect(text).toMatchFileSnapshot(golden('0-1.default'));
    const failing = withError.spans.find((s) => s.status === 'error')!;
    expect(text).toContain(`**[tool] ${failing.name}** · ERROR`);
    expect(text.split(failing.error!.slice(0, 40)).length - 1).toBe(1);
    expect(text).toContain('outcome = 0');
  });

  it('shows each tool call with its arguments and result, and does not repeat tool results as chat messages', () => {
    const text = renderTrace(longest);
    const tools = longest.spans.filter((s) => s.kind === 'tool');
    for (const t of tools) expect(text).toContain(`**[tool] ${t.name}**`);
    expect(text.match(/- args: /g)).toHaveLength(tools.length);
    expect(text.match(/- result: /g)).toHaveLength(tools.length);
    expect(text).not.toContain('tool result');
  });

  it('shows each chat message once, though every LLM call resends the conversation so far', () => {
    const text = renderTrace(longest);
    // The system prompt opens every one of the 28 LLM inputs.
    expect(text.match(/- system: # Airline Agent Policy/g)).toHaveLength(1);
  });

  it('cuts long values with a marker saying how much was cut, and names the span to expand on that step', () => {
    const text = renderTrace(longest);
    const system = longest.spans[1].input as { messages: { content: string }[] };
    const systemChars = system.messages[0].content.replace(/\s*\n\s*/g, ' ⏎ ').trim().length;
    expect(text).toContain(`…[+${(systemChars - 600).toLocaleString('en-US')} chars]`);
    expect(text).toContain('**[llm] chat gpt-4o** · 2.8 s · cut: --span taubench-airline-2-1:llm-1 --full');
    expect(text).toMatch(/_≈\d+ tokens \(characters ÷ 4\); 58 of 58 steps shown; values cut at 600 characters\. `loupe traces get taubench-airline-2-1 --span <id> --full` shows one span whole/);
  });

  it('renders the longest conversation at default settings', async () => {
    await expect(renderTrace(longest)).toMatchFileSnapshot(golden('2-1.default'));
  });

  for (const budget of [4000, 2000, 1000, 300]) {
    it(`fits the longest conversation in ${budget} tokens by cutting data first, then folding the middle steps`, async () => {
      const text = renderTrace(longest, { maxTokens: budget });
      expect(estimateTokens(text)).toBeLessThanOrEqual(budget);
      await expect(text).toMatchFileSnapshot(golden(`2-1.max-${budget}`));
      // The header and the outcome always survive.
      expect(text).toContain('# Trace taubench-airline-2-1');
      if (budget >= 1000) expect(text).toContain('outcome = 0');
    });
  }

  it('says which steps were folded and keeps the first, the last and the failed ones', () => {
    const text = renderTrace(withError, { maxTokens: 1200 });
    expect(estimateTokens(text)).toBeLessThanOrEqual(1200);
    expect(text).toMatch(/- …\[steps \d+–\d+ folded to fit the budget\]/);
    expect(text).toContain('1. **[agent] airline-agent**');
    expect(text).toContain(`${withError.spans.length}. **[`);
    const failing = withError.spans.findIndex((s) => s.status === 'error');
    expect(text).toContain(`${failing + 1}. **[tool] ${withError.spans[failing].name}** · ERROR`);
  });

  it('renders one span and its descendants with --span, and one span whole with --span --full', async () => {
    const toolText = renderTrace(longest, { spanId: 'taubench-airline-2-1:tool-6-1', full: true });
    await expect(toolText).toMatchFileSnapshot(golden('2-1.span-tool-6-1.full'));
    const result = longest.spans.find((s) => s.id === 'taubench-airline-2-1:tool-6-1')!.output;
    expect(toolText).toContain(JSON.stringify(result));
    expect(toolText).not.toContain('chars]');
    // An LLM span alone shows the whole conversation it was sent, tool results included.
    const llmText = renderTrace(longest, { spanId: 'taubench-airline-2-1:llm-3' });
    await expect(llmText).toMatchFileSnapshot(golden('2-1.span-llm-3'));
    expect(llmText).toContain('1 of 1 steps shown');
    expect(llmText).toContain('tool result (get_user_details): {"name": {"first_name": "Omar"');
  });

  it('shows every value whole with --full', async () => {
    const t = tree('12-3');
    const text = renderTrace(t, { full: true });
    await expect(text).toMatchFileSnapshot(golden('12-3.full'));
    expect(text).not.toContain('chars]');
    const system = (t.spans[1].input as { messages: { content: string }[] }).messages[0].content;
    expect(text).toContain(system.split('\n').slice(-1)[0].trim());
  });

  it('names the way to expand a span with the caller’s own words (the MCP tool arguments)', () => {
    const text = renderTrace(longest, {
      spanRef: (id) => `get_trace span_id="${id}" full=true`,
      expandHint: (id) => `call get_trace with trace_id="${id}" and a span_id to see one span whole`,
    });
    expect(text).toContain('cut: get_trace span_id="taubench-airline-2-1:llm-1" full=true');
    expect(text).toContain('call get_trace with trace_id="taubench-airline-2-1"');
    expect(text).not.toContain('--span');
  });

  it('never exceeds the token budget, for any conversation and any budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: trees.length - 1 }), fc.integer({ min: 1, max: 12_000 }), fc.boolean(), (i, maxTokens, full) => {
        const text = renderTrace(trees[i], { maxTokens, full });
        expect(estimateTokens(text)).toBeLessThanOrEqual(maxTokens);
      }),
      { numRuns: 150 },
    );
  });

  it('changes nothing when the rendering already fits the budget', () => {
    for (const t of trees.slice(0, 40)) {
      const text = renderTrace(t);
      expect(renderTrace(t, { maxTokens: estimateTokens(text) })).toBe(text);
    }
  });

  it('states its own size honestly in the footer', () => {
    for (const opts of [{}, { maxTokens: 2000 }, { full: true }]) {
      const text = renderTrace(longest, opts);
      const stated = Number(/_≈(\d+) tokens/.exec(text)![1]);
      expect(stated).toBe(estimateTokens(text));
    }
  });
});

describe('rendering the chats of other SDKs', () => {
  /** The steps of the weather chat: every dialect is the same conversation. */
  const steps = (system: boolean) => [
    '- 1. **[agent] weather-agent** · 2.4 s',
    "  - input: What's the weather in Paris?",
    '  - output: It is 18°C and sunny in Paris.',
    expect.stringMatching(/^ {2}- 2\. \*\*\[llm\] chat /),
    ...(system ? ['    - system: You answer weather questions.'] : []),
    "    - user: What's the weather in Paris?",
    '    - assistant: → calls get_weather({"city":"Paris"})',
    expect.stringMatching(/^ {2}- 3\. \*\*\[llm\] chat /),
    '    - tool result (get_weather): {"temperature_c":18,"sky":"sunny"}',
    '    - assistant: It is 18°C and sunny in Paris.',
  ];
  const stepsOf = (text: string) => text.slice(text.indexOf('## Steps\n') + 9, text.indexOf('\n\n_≈')).split('\n');

  it.each([
    ['gemini', false],
    ['langchain', true],
  ] as const)('shows a %s chat as chat turns with its tool call and result, as the review UI reads it', (dialect, system) => {
    const text = renderTrace(treeFromSpans(weatherChat(dialect, `weather-${dialect}`)));
    expect(stepsOf(text)).toEqual(steps(system));
  });

  it.each(['openai', 'openai_completion', 'anthropic'] as ChatDialect[])('shows a %s chat the same way', (dialect) => {
    expect(stepsOf(renderTrace(treeFromSpans(weatherChat(dialect, `weather-${dialect}`))))).toEqual(steps(false));
  });
});
