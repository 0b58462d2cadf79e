/**
 * The agent skill (skills/loupe/SKILL.md) must only tell agents commands that work: every
 * `loupe` command in its fenced blocks runs here, in order, against the demo Loupe, with
 * its placeholders filled in the way an agent would fill them.
 */
import { describe, it, expect, inject } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanEnv, runCli } from './run-cli.ts';

const skill = readFileSync(new URL('../../skills/loupe/SKILL.md', import.meta.url), 'utf8');

/** Every `loupe ...` line inside fenced code blocks. */
function skillCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('loupe '));
}

/** Splits a command line the way a POSIX shell splits plain and double-quoted words. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

/** Fills for the "prove a fix" section: a small examples file, and `cat` as the agent (it echoes its inputs as its output). */
function proveAFix(): Record<string, string> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const examples = join(mkdtempSync(join(tmpdir(), 'loupe-skill-')), 'examples.jsonl');
  writeFileSync(examples, ['{"id":"refund-1","inputs":{"q":"refund order 1"},"outputs":{"q":"refund order 1"}}', '{"id":"cabin-2","inputs":{"q":"upgrade cabin"},"outputs":{"q":"upgrade cabin"}}'].join('\n') + '\n');
  return { '<dataset-name>': `skill-failures-${suffix}`, '<file.jsonl>': join(dirname(examples), 'dataset.jsonl'), '<dataset>': `skill_ds_${suffix}`, '<examples.jsonl>': examples, '<baseline>': `skill-base-${suffix}`, '<candidate>': `skill-cand-${suffix}`, '<command>': 'cat', '<commit>': 'abc1234' };
}

describe('the loupe agent skill', () => {
  const loupe = inject('loupe');

  it('has Claude Code skill front matter with a name and a description', () => {
    const front = /^---\nname: loupe\ndescription: (.+)\n---\n/.exec(skill);
    expect(front).not.toBeNull();
    expect(front![1].length).toBeGreaterThan(80);
  });

  it('runs every command it shows, in order, successfully against a live Loupe', async () => {
    const commands = skillCommands(skill);
    expect(commands.length).toBeGreaterThanOrEqual(8);
    const label = 'skill_test_payment_mismatch';
    const fill: Record<string, string> = {
      '<loupe-url>': loupe.url,
      '<api-key>': loupe.apiKey,
      '<trace-id>': 'taubench-airline-0-1',
      '<span-id>': 'taubench-airline-0-1:tool-8-1',
      '<label>': label,
      '<what went wrong, at which step>': 'book_reservation at step 13: paid 255 of 305',
      ...proveAFix(),
    };
    // One config folder for the whole loop: `loupe login` (the first command) sets it up.
    const env = cleanEnv();
    const outputs: string[] = [];
    for (const command of commands) {
      let line = command;
      for (const [placeholder, value] of Object.entries(fill)) line = line.split(placeholder).join(value);
      expect(line, `unfilled placeholder in: ${command}`).not.toMatch(/<[a-z][^>]*>/);
      const run = await runCli(shellWords(line).slice(1), { env });
      expect(run.code, `${line}\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
    }
    // The loop did what it says: failures found, the trace read, the finding recorded.
    expect(outputs.some((o) => o.includes('`taubench-airline-0-1`'))).toBe(true);
    expect(outputs.some((o) => o.includes('**[tool] book_reservation** · ERROR'))).toBe(true);
    expect(outputs.some((o) => o.includes(`${label}`) && o.includes('Stored feedback'))).toBe(true);
    const recorded = outputs[commands.findIndex((c) => c.includes('feedback.failure_mode=<label>'))];
    expect(recorded).toContain('`taubench-airline-0-1`');
    // The prove-a-fix loop ran both experiments and the gate passed on them.
    expect(outputs.some((o) => o.includes('2 shared example(s)'))).toBe(true);
    expect(outputs.some((o) => o.includes('### Loupe gate: PASS'))).toBe(true);
    // The datasets steps filled a dataset from the failures and tagged its first version.
    expect(outputs.some((o) => /Added [1-9]\d* examples; the dataset is at version 1\./.test(o))).toBe(true);
    expect(outputs.some((o) => o.includes('Tagged version 1'))).toBe(true);
    // Two dozen CLI processes, one after another, on 2 shared cores: more than the default minute.
  }, 240_000);
});
