import { describe, it, expect } from 'vitest';
import { allChecks, buildCheckConfig, checkSpec, checkValues, configProblems } from './check-fields.ts';
import { describeOutput, describeSource, judgeConfig, judgeDraft, promptVariables } from './judge-draft.ts';
import { changedPaths, mergePatch } from './config-diff.ts';
import { webhookConfig, webhookDraft } from './webhook-draft.ts';
import { CODE_CHECKS, EvaluatorConfig } from '../../../schema/wire/evaluators.ts';

describe('code check forms', () => {
  it('offer every check the API knows, with its fields, choices and defaults', () => {
    expect(allChecks().map((c) => c.check)).toEqual(CODE_CHECKS);
    const seq = checkSpec('tool_sequence')!;
    expect(seq.fields.map((f) => [f.name, f.kind])).toEqual([
      ['expected', 'json'],
      ['expected_from', 'source'],
      ['mode', 'enum'],
      ['args_match', 'enum'],
    ]);
    expect(seq.fields.find((f) => f.name === 'mode')).toMatchObject({ options: ['strict', 'unordered', 'subset', 'superset'], default: 'strict' });
    expect(seq.fields.find((f) => f.name === 'args_match')!.options).toEqual(['ignore', 'exact', 'subset']);
    expect(checkSpec('contains')!.fields.find((f) => f.name === 'text')).toMatchObject({ kind: 'texts', required: true });
    expect(checkSpec('regex')!.fields.find((f) => f.name === 'pattern')!.required).toBe(true);
  });

  it('start a new check with sensible values that the API accepts', () => {
    for (const check of ['tool_sequence', 'latency', 'length', 'no_loops', 'error_free', 'json_schema', 'step_limit', 'exact_match']) {
      const { config, errors } = buildCheckConfig(check, checkValues(check));
      expect(errors, check).toEqual({});
      expect(configProblems(config), check).toEqual({});
    }
    expect(buildCheckConfig('tool_sequence', checkValues('tool_sequence')).config).toEqual({ type: 'code', check: 'tool_sequence', expected_from: 'trace.metadata.expected_actions', mode: 'superset', args_match: 'subset' });
  });

  it('round-trip a saved config through the form', () => {
    const saved = { type: 'code', check: 'tool_sequence', expected: [{ name: 'get_user_details', args: { user_id: 'mia_li_3668' } }], mode: 'strict', args_match: 'exact' };
    const values = checkValues('tool_sequence', saved);
    expect(values.expected).toContain('"get_user_details"');
    expect(values.expected_from).toBe('');
    expect(buildCheckConfig('tool_sequence', values).config).toEqual(saved);
    const contains = buildCheckConfig('contains', { ...checkValues('contains'), text: 'refund\n\ncancel ' }).config;
    expect(contains.text).toEqual(['refund', 'cancel']);
  });

  it('name the field at fault: unreadable input, then what the schema refuses', () => {
    expect(buildCheckConfig('latency', { max_ms: 'soon' }).errors).toEqual({ max_ms: 'must be a number' });
    expect(buildCheckConfig('tool_sequence', { ...checkValues('tool_sequence'), expected: '[{name:' }).errors).toEqual({ expected: 'is not valid JSON' });
    expect(configProblems(buildCheckConfig('regex', { value: 'output', pattern: '', flags: 'x' }).config)).toMatchObject({ pattern: 'required', flags: 'flags may use only i, m, s, u' });
    const both = buildCheckConfig('tool_sequence', { ...checkValues('tool_sequence'), expected: '[{"name":"a"}]' }).config;
    expect(configProblems(both)).toEqual({ expected: 'give exactly one of expected or expected_from' });
    // kwargs (tau-bench) and arguments (OpenAI) are aliases of args, literal or read from data; one of them at a time.
    expect(configProblems({ ...both, expected_from: undefined, expected: [{ name: 'a', kwargs: {} }] })).toEqual({});
    expect(configProblems({ ...both, expected_from: undefined, expected: [{ name: 'a', args: {}, kwargs: {} }] })['expected.0']).toMatch(/once/);
  });
});

describe('judge forms', () => {
  const template = {
    type: 'judge',
    temperature: 0,
    max_tokens: 1024,
    prompt: { system: 'You judge.', user: 'Q: {{input}}\nA: {{output}}\nRef: {{reference}}' },
    variables: { input: 'input', output: 'output', reference: 'trace.metadata.reference' },
    output: { type: 'category', categories: ['good', 'bad'], scores: { good: 1, bad: 0 } },
  };

  it('round-trip a template config, keeping what the user set', () => {
    const draft = judgeDraft({ ...template, provider_id: 'prv_1' });
    expect(draft.variables).toEqual([
      { name: 'input', source: 'input' },
      { name: 'output', source: 'output' },
      { name: 'reference', source: 'trace.metadata.reference' },
    ]);
    const config = judgeConfig({ ...draft, model: 'gpt-4o-mini' });
    expect(EvaluatorConfig.parse(config)).toMatchObject({ ...template, provider_id: 'prv_1', model: 'gpt-4o-mini', trajectory_max_tokens: 4000, timeout_ms: 30000 });
  });

  it('report a placeholder without a variable at the prompt', () => {
    const draft = judgeDraft({ ...template, provider_id: 'prv_1' });
    const config = judgeConfig({ ...draft, variables: draft.variables.filter((v) => v.name !== 'reference') });
    expect(configProblems(config)).toEqual({ 'prompt.user': "uses {{reference}} but variables has no 'reference'" });
    expect(promptVariables(draft.system, draft.user)).toEqual(['input', 'output', 'reference']);
  });

  it('explain variables and output contracts in words', () => {
    expect(describeSource('trace.metadata.reference')).toEqual({ ok: true, text: "the trace root's metadata at reference, even when a span is evaluated" });
    expect(describeSource('trajectory').text).toMatch(/tool calls/);
    expect(describeSource('feedback.outcome.score').text).toBe("the score of the latest 'outcome' feedback");
    expect(describeSource('answer')).toMatchObject({ ok: false, text: expect.stringMatching(/unknown source 'answer'/) });
    expect(describeOutput({ type: 'boolean' })).toBe('true or false, stored as score 1 or 0');
    expect(describeOutput({ type: 'number', min: 0, max: 1 })).toBe('a number from 0 to 1, stored as the score');
    expect(describeOutput({ type: 'category', categories: ['good', 'bad'], scores: { good: 1, bad: 0 } })).toBe('one of good (1), bad (0), stored as the value with its score');
  });
});

describe('version changes', () => {
  it('list the paths that changed, ignoring key order', () => {
    const v1 = { name: 'x', config: { type: 'judge', prompt: { user: 'a', system: 's' }, output: { type: 'boolean' } } };
    const v2 = { name: 'x', config: { output: { type: 'boolean' }, type: 'judge', prompt: { system: 's', user: 'b' } } };
    expect(changedPaths(v1, v2)).toEqual(['config.prompt.user']);
    expect(changedPaths(v1, { ...v1, name: 'y', description: 'new' })).toEqual(['description', 'name']);
    expect(changedPaths(v1, v1)).toEqual([]);
  });
});

describe('merge patches', () => {
  it('null the fields the new config drops, so the API merge yields exactly the new config', () => {
    const template = { type: 'code', check: 'tool_sequence', expected_from: 'trace.metadata.expected_actions', mode: 'superset', args_match: 'subset' };
    const next = { type: 'code', check: 'tool_sequence', expected: [{ name: 'a' }], mode: 'strict', args_match: 'subset' };
    expect(mergePatch(template, next)).toEqual({ ...next, expected_from: null });
    const judge = { type: 'judge', model: 'x', prompt: { system: 's', user: 'u' } };
    expect(mergePatch(judge, { type: 'judge', prompt: { user: 'v' } })).toEqual({ type: 'judge', model: null, prompt: { user: 'v', system: null } });
  });
});

describe('webhook forms', () => {
  it('read extra headers as "Name: value" lines and name a bad line', () => {
    const draft = webhookDraft({ type: 'webhook', url: 'https://hooks.example.com/score', headers: { 'x-team': 'support' } });
    expect(draft.headers).toBe('x-team: support');
    expect(webhookConfig({ ...draft, headers: 'x-team: support\n\nx-env:prod' }).config).toEqual({ type: 'webhook', url: 'https://hooks.example.com/score', timeout_ms: 10000, headers: { 'x-team': 'support', 'x-env': 'prod' } });
    expect(webhookConfig({ ...draft, headers: 'x-team support' }).errors).toEqual({ headers: 'line 1: write "Name: value"' });
  });
});
