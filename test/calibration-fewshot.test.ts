/**
 * Few-shot from people: a judge with `few_shot` carries up to k human-labelled examples in
 * its prompt, the most recent or the most similar, within a token budget, never the judged
 * trace's own label; the fake provider shows what it received.
 */
import { describe, it, expect } from 'vitest';
import { api, makeProject, span, waitForTrace } from './helpers.ts';
import { createEvaluator, fakeOpenAiProvider, postSpans, received, scenarioId, script } from './evals-helpers.ts';
import { human } from './calibration-helpers.ts';
import { estimateTokens } from '../schema/render/trajectory.ts';

const INPUTS: Record<string, string> = {
  f0: 'please refund my cancelled flight ticket',
  f1: 'change my seat on the morning flight',
  f2: 'my baggage was lost at the airport',
  f3: 'baggage delayed at Denver airport carousel',
  subject: 'where is my baggage at the airport',
};

/** Five traces; people label f2, f3, f0, f1 in that order (f1 newest) and the judged trace too. */
async function setup() {
  const p = await makeProject();
  await postSpans(p.key, Object.entries(INPUTS).map(([id, input]) => span('root', id, { kind: 'agent', input, output: `reply to ${id}`, end_time: '2026-01-01T00:00:01Z' })));
  for (const id of Object.keys(INPUTS)) await waitForTrace(p.key, id);
  for (const id of ['f2', 'f3', 'f0', 'f1', 'subject']) {
    await human(p.key, id, 'relevance', { score: id === 'f3' ? 0 : 1, comment: `note on ${id}` });
    await new Promise((r) => setTimeout(r, 5));
  }
  const sc = scenarioId('fewshot');
  await script(sc, { steps: [], then: { verdict: { reasoning: 'ok', verdict: true } } });
  return { ...p, sc, providerId: await fakeOpenAiProvider(p.key, sc) };
}

async function judgedPrompt(key: string, sc: string, evaluator: unknown) {
  const res = await api('/v1/evaluators/try', { key, body: { evaluator, trace_ids: ['subject'] } });
  expect(res.status).toBe(200);
  expect(res.json.results[0].error).toBeNull();
  const reqs = await received(sc);
  const messages = reqs[reqs.length - 1].body.messages as { role: string; content: string }[];
  return { system: messages[0].content, user: messages[1].content };
}

const examplesIn = (text: string) => [...text.matchAll(/<input>\n(.*)\n<\/input>/g)].map((m) => m[1]);

describe('few-shot from people', () => {
  it('includes the k most similar labelled traces, with their verdicts and notes, never the judged one', async () => {
    const { key, sc, providerId } = await setup();
    const { system } = await judgedPrompt(key, sc, { template: 'relevance', config: { provider_id: providerId, few_shot: { k: 2, select: 'similar' } } });
    expect(examplesIn(system).sort()).toEqual([INPUTS.f2, INPUTS.f3].sort());
    expect(system).toContain('Examples people labelled');
    expect(system).toContain('<verdict>false</verdict>\n<reviewer_note>\nnote on f3');
    expect(system).toContain('<verdict>true</verdict>\n<reviewer_note>\nnote on f2');
    expect(system).not.toContain('note on subject');
  });

  it('includes the most recent labels when asked', async () => {
    const { key, sc, providerId } = await setup();
    const { system } = await judgedPrompt(key, sc, { template: 'relevance', config: { provider_id: providerId, few_shot: { k: 2, select: 'recent' } } });
    expect(examplesIn(system)).toEqual([INPUTS.f1, INPUTS.f0]);
  });

  it('stays within the token budget and fills {{examples}} where the template puts it', async () => {
    const { key, sc, providerId } = await setup();
    const evaluator = {
      name: 'fs',
      key: 'relevance',
      config: {
        type: 'judge',
        provider_id: providerId,
        prompt: { user: 'Past verdicts:\n{{examples}}\n\nNow judge:\n{{input}}' },
        variables: { input: 'input' },
        output: { type: 'boolean' },
        few_shot: { k: 4, select: 'recent', max_tokens: 50 },
      },
    };
    const { system, user } = await judgedPrompt(key, sc, evaluator);
    expect(system).not.toContain('<example>');
    const block = user.slice(user.indexOf('<example>'), user.indexOf('\n\nNow judge:'));
    const shown = examplesIn(user);
    expect(shown).toHaveLength(1);
    expect(estimateTokens(block)).toBeLessThanOrEqual(50);
    expect(user).toContain(`Now judge:\n${INPUTS.subject}`);
    // Without few_shot, {{examples}} is an unknown variable.
    const bad = await api('/v1/evaluators/try', { key, body: { evaluator: { ...evaluator, config: { ...evaluator.config, few_shot: undefined } }, trace_ids: ['subject'] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('{{examples}}');
  });
});
