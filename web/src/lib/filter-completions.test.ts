import { describe, it, expect } from 'vitest';
import { checkFilter, completions, quoteValue } from './filter-completions.ts';

const facets = {
  tags: ['tau-bench', 'needs review'],
  metadata_keys: ['task_id', 'trial', 'user_instruction'],
  feedback_keys: ['outcome', 'thumbs'],
  environments: ['production', 'staging'],
  releases: ['v1'],
  models: ['gpt-4o'],
  names: ['airline-agent'],
};

describe('the filter bar', () => {
  it('finds a parse error and where it is', () => {
    expect(checkFilter('env=production feedback.outcome=0')).toBeNull();
    expect(checkFilter('')).toBeNull();
    const problem = checkFilter('env=production and (latency>5s');
    expect(problem).not.toBeNull();
    expect(problem!.position).toBeGreaterThan(14);
    expect(checkFilter('latency>fast')!.message).toMatch(/latency/);
  });

  it('completes fields, then metadata and feedback keys from the project', () => {
    expect(completions('fee', 3, facets).options.map((o) => o.label)).toContain('feedback.');
    const keys = completions('metadata.', 9, facets);
    expect(keys.from).toBe(9);
    expect(keys.options.map((o) => o.label)).toEqual(['task_id', 'trial', 'user_instruction']);
    expect(completions('feedback.ou', 11, facets).options.map((o) => o.label)).toEqual(['outcome']);
  });

  it('completes values of tags and environments, quoting where needed', () => {
    expect(completions('tag=', 4, facets).options.map((o) => o.label)).toEqual(['tau-bench', '"needs review"']);
    expect(completions('env=pro', 7, facets).options.map((o) => o.label)).toEqual(['production']);
    expect(completions('model in (gpt', 13, facets).options.map((o) => o.label)).toContain('gpt-4o');
    expect(completions('status=', 7, facets).options.map((o) => o.label)).toEqual(['ok', 'error', 'unset']);
  });

  it('quotes values the language would read otherwise', () => {
    expect(quoteValue('gpt-4o')).toBe('gpt-4o');
    expect(quoteValue('two words')).toBe('"two words"');
    expect(quoteValue('or')).toBe('"or"');
    expect(quoteValue('say "hi"')).toBe('"say \\"hi\\""');
  });
});
