/**
 * `loupe experiments run` as a process against a real local Loupe: a command per example
 * (inputs on stdin, JSON on stdout), its failures recorded per example (non-zero exit,
 * hang past --timeout, no JSON), each run a trace, and resume after the CLI was killed
 * without redoing recorded examples.
 */
import { describe, it, expect, inject } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, LOUPE_BIN, runCli } from './run-cli.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });
const get = async (path: string) => (await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json() as Promise<any>;
const dir = mkdtempSync(join(tmpdir(), 'loupe-exp-run-'));
const suffix = crypto.randomUUID().slice(0, 8);

/** A candidate agent: answers {"answer": upper(question)}, or misbehaves as the input asks; logs each call. */
const agent = join(dir, 'agent.mjs');
writeFileSync(
  agent,
  `import { appendFileSync } from 'node:fs';
let text = '';
for await (const c of process.stdin) text += c;
const input = JSON.parse(text);
if (process.env.AGENT_LOG) appendFileSync(process.env.AGENT_LOG, process.env.LOUPE_EXAMPLE_ID + '\\n');
if (input.sleep) await new Promise((r) => setTimeout(r, input.sleep));
if (input.mode === 'crash') { console.error('boom: no such flight'); process.exit(3); }
if (input.mode === 'hang') await new Promise(() => setTimeout(() => {}, 1e9));
if (input.mode === 'prose') { console.log('I think the answer is yes'); process.exit(0); }
console.log('log line before the answer');
console.log(JSON.stringify({ answer: String(input.question).toUpperCase(), example: process.env.LOUPE_EXAMPLE_ID, experiment: process.env.LOUPE_EXPERIMENT_ID, traceparent: process.env.TRACEPARENT }));
`,
);
const examplesFile = (name: string, lines: object[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return path;
};

describe('loupe experiments run', () => {
  it('records one run per example, errors included, each a trace, scored by --check', async () => {
    const examples = examplesFile('mixed.jsonl', [
      { id: 'ok1', inputs: { question: 'hi' }, outputs: { answer: 'HI', example: 'ok1' } },
      { id: 'crash', inputs: { mode: 'crash' } },
      { id: 'hang', inputs: { mode: 'hang' } },
      { id: 'prose', inputs: { mode: 'prose' } },
    ]);
    const name = `run-mixed-${suffix}`;
    const run = await runCli(['experiments', 'run', '--dataset', `ds_run_${suffix}@1`, '--examples', examples, '--name', name, '--cmd', `node ${agent}`, '--timeout', '2', '--check', 'exact_match'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Experiment **${name}**`);
    expect(run.stdout).toContain('4 run(s), 3 errored');
    const e = await get(`/v1/experiments/${name}`);
    const runs = (await get(`/v1/experiments/${e.id}/runs`)).runs;
    const by = Object.fromEntries(runs.map((r: any) => [r.example_id, r]));
    expect(by.ok1.output).toMatchObject({ answer: 'HI', example: 'ok1', experiment: e.id });
    expect(by.ok1.output.traceparent).toBe(`00-${by.ok1.trace_id}-${by.ok1.trace_id.slice(0, 16)}-01`);
    expect(by.crash.error).toMatch(/^exit code 3: boom: no such flight/);
    expect(by.hang.error).toBe('timed out after 2 s');
    expect(by.prose.error).toMatch(/^printed no JSON on stdout: I think the answer is yes/);
    expect(e.summary).toMatchObject({ runs: 4, errors: 3 });
    expect(e.status).toBe('completed');
    // Each run is a trace in Loupe.
    let trace: any = {};
    for (let i = 0; i < 100 && !trace.spans?.length; i++) {
      trace = await get(`/v1/traces/${by.crash.trace_id}`);
      if (!trace.spans?.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(trace.spans[0]).toMatchObject({ status: 'error' });
  });

  it('resumes after being killed without redoing the examples already recorded', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `q${i}`);
    const examples = examplesFile('slow.jsonl', ids.map((id) => ({ id, inputs: { question: id, sleep: 400 } })));
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const name = `run-resume-${suffix}`;
    const args = ['experiments', 'run', '--dataset', `ds_resume_${suffix}`, '--examples', examples, '--name', name, '--cmd', `node ${agent}`, '--concurrency', '1'];
    const childEnv = Object.fromEntries(Object.entries({ ...env(), AGENT_LOG: log }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const child = spawn(process.execPath, [LOUPE_BIN, ...args], { env: childEnv, stdio: 'ignore' });
    // Kill it once two runs are recorded.
    let recorded: string[] = [];
    for (let i = 0; i < 200 && recorded.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const e = await get(`/v1/experiments/${name}`);
      if (e.id) recorded = (await get(`/v1/experiments/${e.id}/runs`)).runs.map((r: any) => r.example_id);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    const e = await get(`/v1/experiments/${name}`);
    const before = (await get(`/v1/experiments/${e.id}/runs`)).runs.map((r: any) => r.example_id);
    expect(before.length).toBeLessThan(6);

    const resumed = await runCli(args, { env: { ...env(), AGENT_LOG: log } });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`already recorded (resumed)`);
    const after = (await get(`/v1/experiments/${e.id}/runs`)).runs;
    expect(after.map((r: any) => r.example_id).sort()).toEqual(ids);
    expect(after.every((r: any) => r.error === null)).toBe(true);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    for (const id of before) expect(calls.filter((c) => c === id), id).toHaveLength(1);
  });

  it('runs the examples of a Loupe dataset at a tag, and says so for an unknown dataset', async () => {
    const post = async (path: string, body: unknown, method = 'POST') =>
      (await fetch(`${loupe.url}${path}`, { method, headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
    const name = `run-ds-${suffix}`;
    await post('/v1/datasets', { name });
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const v = await post(`/v1/datasets/${name}/examples`, { examples: ids.map((id, i) => ({ id, inputs: { question: `q${i}` }, outputs: { answer: `Q${i}` } })) });
    await post(`/v1/datasets/${name}/tags/prod`, { version: v.version }, 'PUT');
    const run = await runCli(['experiments', 'run', '--dataset', `${name}:prod`, '--name', `${name}-exp`, '--cmd', `node ${agent}`], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const e = await get(`/v1/experiments/${name}-exp`);
    expect(e).toMatchObject({ dataset_version: v.version, summary: { runs: 2, errors: 0 } });
    const runs = (await get(`/v1/experiments/${e.id}/runs`)).runs;
    expect(runs.map((r: any) => r.example_id).sort()).toEqual([...ids].sort());
    const missing = await runCli(['experiments', 'run', '--dataset', `nope-${suffix}`, '--name', 'x', '--cmd', 'cat'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).not.toBe('');
  });

  it('refuses bad flags with exit 1 and the reason', async () => {
    const run = await runCli(['experiments', 'run', '--dataset', 'd', '--examples', join(dir, 'mixed.jsonl'), '--name', 'x', '--cmd', 'true', '--endpoint', 'http://x'], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/one of --cmd/);
  });
});
