/**
 * `loupe insights` as a process against the real local Loupe (wrangler dev, the tau-bench
 * demo: 200 conversations, 116 with outcome 0): a report run as a Workflow and waited
 * for, listed, read as markdown and as JSON, and its top pattern opened as a filter.
 */
import { describe, it, expect, inject } from 'vitest';
import { cleanEnv, runCli } from './run-cli.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });

describe('loupe insights', () => {
  it('runs a report on the demo and waits, then lists it, prints its patterns and opens the top one as a filter', async () => {
    const run = await runCli(['insights', 'run', 'tag=tau-bench', '--since', '3650d', '--failure', 'feedback.outcome=0', '--wait'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /# Insights report `(ir_[0-9a-f]+)`: done/.exec(run.stdout)?.[1];
    expect(id, run.stdout.slice(0, 500)).toBeTruthy();
    expect(run.stdout).toContain('Traces: 200 (failing 116');
    expect(run.stdout).toContain('method: offline');
    expect(run.stdout).toContain('## Intents');
    expect(run.stdout).toContain('## Failure patterns');

    const list = await runCli(['insights', 'list'], { env: env() });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`\\| \`${id}\` \\| done \\| tag=tau-bench \\| feedback.outcome=0 \\| 200 \\| 116 \\| offline \\|`));

    const md = await runCli(['insights', 'patterns', id!], { env: env() });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`Failure patterns of \`${id}\``);
    expect(md.stdout).toMatch(/^\| p1 \| /m);

    const json = await runCli(['--format', 'json', 'insights', 'patterns', id!], { env: env() });
    const patterns = JSON.parse(json.stdout).patterns;
    expect(patterns.length).toBeGreaterThan(0);
    const top = patterns[0];
    expect(top.membership_filter).toBe(`insight.${id}=p1`);

    const traces = await runCli(['--format', 'jsonl', 'traces', 'list', top.membership_filter, '--limit', '500'], { env: env() });
    expect(traces.code).toBe(0);
    expect(traces.stdout.trim().split('\n')).toHaveLength(top.support);

    // Track the top pattern; tracking it again keeps one entry; it shows in `tracked` until untracked.
    const track = await runCli(['insights', 'track', id!, 'p1', '--threshold', '0'], { env: env() });
    expect(track.code, track.stderr).toBe(0);
    expect(track.stdout).toMatch(/^\| `it_[0-9a-f]+` \| .+ \| open \| 0% \|/m);
    const again = JSON.parse((await runCli(['--format', 'json', 'insights', 'track', id!, 'p1'], { env: env() })).stdout);
    const tracked = JSON.parse((await runCli(['--format', 'json', 'insights', 'tracked'], { env: env() })).stdout).tracked;
    expect(tracked.filter((t: { id: string }) => t.id === again.id)).toHaveLength(1);
    expect(again.reports[0]).toMatchObject({ report_id: id, support: top.support });
    expect((await runCli(['insights', 'track', id!, 'p1', '--threshold', '2'], { env: env() })).code).toBe(1);
    const untrack = await runCli(['insights', 'untrack', again.id], { env: env() });
    expect(untrack.stdout).toContain(`No longer tracking \`${again.id}\``);
    expect((await runCli(['insights', 'tracked', again.id], { env: env() })).code).not.toBe(0);
  });

  it('shows a filter that does not parse with a caret under the place, exit 1, and starts nothing', async () => {
    const run = await runCli(['insights', 'run', 'env=production and (', '--since', '7d'], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^loupe: invalid filter: .*\n {2}env=production and \(\n {2}\s*\^+\n$/);
  });
});
