/**
 * `loupe stats` as a process against the real local Loupe (wrangler dev, the tau-bench
 * demo: 200 conversations over the last 20 days, release gpt-4o-airline-v1).
 */
import { describe, it, expect, inject } from 'vitest';
import { cleanEnv, runCli } from './run-cli.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });

describe('loupe stats', () => {
  it('prints figures per day by release as a markdown table, and the same figures as JSON', async () => {
    const md = await runCli(['stats', '--since', '30d', '--by', 'release', '--filter', 'tag=tau-bench', '--models'], { env: env() });
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('Stats per day (UTC)');
    expect(md.stdout).toMatch(/^\| release \| day \| traces \| errors \| p50 \| p95 \| p99 \| tokens \| cost \| scores \| feedback \|$/m);
    expect(md.stdout).toMatch(/^\| gpt-4o-airline-v1 \| \d{4}-\d{2}-\d{2} \| \d+ \| /m);
    expect(md.stdout).toContain('LLM calls per model');

    const json = await runCli(['stats', '--since', '30d', '--filter', 'tag=tau-bench', '--json'], { env: env() });
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body.split).toBe('none');
    expect(body.series).toHaveLength(1);
    expect(body.series[0].points.reduce((a: number, p: { trace_count: number }) => a + p.trace_count, 0)).toBe(200);
  });

  it('rejects a filter that does not parse with a caret and exit 1, and a range over 90 days naming --since', async () => {
    const bad = await runCli(['stats', '--filter', 'env=production and ('], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^loupe: invalid filter: .*\n {2}env=production and \(\n {2}\s*\^+\n$/);
    const wide = await runCli(['stats', '--since', '120d'], { env: env() });
    expect(wide.code).toBe(1);
    expect(wide.stderr).toContain('since');
    expect(wide.stderr).toContain('90 days');
  });
});
