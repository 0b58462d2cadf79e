/**
 * The `loupe` CLI as a process against a real local Loupe (wrangler dev, tau-bench demo:
 * 200 conversations, 116 with outcome 0).
 */
import { describe, it, expect, inject, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/local.ts';
import { cleanEnv, runCli } from './run-cli.ts';
import { weatherChat } from '../fixtures/chats.ts';
import { until } from './api.ts';

const loupe = inject('loupe');
const env = () => cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey });
const apiGet = async (path: string) => (await fetch(`${loupe.url}${path}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).json() as Promise<any>;

describe('loupe traces list', () => {
  it('lists the traces a filter matches as a markdown table with their feedback', async () => {
    const run = await runCli(['traces', 'list', 'feedback.outcome=0', 'status=error', '--since', '30d', '--env', 'production', '--limit', '5'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('| `taubench-airline-'));
    expect(rows).toHaveLength(5);
    // Other e2e files may add scores to demo traces (e.g. an evaluator rule), so match the cell loosely.
    for (const row of rows) expect(row).toMatch(/\| error \| .* \| (?:[^|]* · )?outcome=0(?: · [^|]*)? \|/);
    expect(run.stdout).toMatch(/5 traces shown; more match: add `--cursor \S+` for the next page/);
  });

  it('gives the API data unchanged as JSON lines, paging past one API page', async () => {
    const run = await runCli(['--format', 'jsonl', 'traces', 'list', 'tag=tau-bench', '--limit', '600'], { env: env() });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(200);
    const first = await apiGet('/v1/traces?limit=1&q=tag%3Dtau-bench');
    expect(lines[0]).toEqual(first.traces[0]);
  });

  it('prints a filter that does not parse with the server’s message and a caret under the place, exit 1', async () => {
    const run = await runCli(['traces', 'list', 'feedback.outcome=0 colour=red'], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("loupe: invalid filter: unknown field 'colour'\n  feedback.outcome=0 colour=red\n                     ^^^^^^\n");
  });

  it('refuses a bad key with exit 2 and says where the key came from', async () => {
    const run = await runCli(['traces', 'list'], { env: cleanEnv({ LOUPE_URL: loupe.url, LOUPE_API_KEY: 'lp_wrong' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the API key was refused');
    expect(run.stderr).toContain('LOUPE_API_KEY');
  });

  it('says plainly when nothing listens at the URL, exit 3', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['traces', 'list', '--url', url], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach Loupe at ${url}: connection refused`);
  });

  it('says when the URL is not a Loupe server, exit 3', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runCli(['traces', 'list', '--url', url], { env: env() });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`${url} does not look like a Loupe server: GET /v1/traces answered 200 with text/html`);
    } finally {
      server.close();
    }
    const wrongPath = await runCli(['traces', 'get', 'taubench-airline-0-1', '--url', `${loupe.url}/api`], { env: env() });
    expect(wrongPath.code).toBe(3);
    expect(wrongPath.stderr).toContain('does not serve the Loupe API');
  });

  it('treats unknown flags as usage errors, exit 1', async () => {
    const run = await runCli(['traces', 'list', '--colour'], { env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown option '--colour'");
  });
});

describe('loupe traces get', () => {
  it('renders a tau-bench trace with its tool calls, the failing one, and the outcome feedback', async () => {
    const run = await runCli(['traces', 'get', 'taubench-airline-0-1'], { env: env() });
    expect(run.code).toBe(0);
    const tree = await apiGet('/v1/traces/taubench-airline-0-1');
    for (const s of tree.spans.filter((s: any) => s.kind === 'tool')) expect(run.stdout).toContain(`**[tool] ${s.name}**`);
    expect(run.stdout).toContain('**[tool] book_reservation** · ERROR');
    expect(run.stdout).toContain('Error: payment amount does not add up, total price is 305, but paid 255');
    expect(run.stdout).toContain('- outcome = 0 (api) "tau-bench reward (1 = task solved)"');
  });

  it('keeps the rendering within --max-tokens and says how to see the rest', async () => {
    const run = await runCli(['traces', 'get', 'taubench-airline-2-1', '--max-tokens', '2000'], { env: env() });
    expect(run.code).toBe(0);
    expect(Math.ceil(run.stdout.trimEnd().length / 4)).toBeLessThanOrEqual(2000);
    expect(run.stdout).toContain('folded to fit the budget');
    expect(run.stdout).toContain('`loupe traces get taubench-airline-2-1 --span <id> --full` shows one span whole');
  });

  it('shows one span whole with --span --full', async () => {
    const run = await runCli(['traces', 'get', 'taubench-airline-2-1', '--span', 'taubench-airline-2-1:llm-1', '--full'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 of 1 steps shown');
    expect(run.stdout).not.toContain('chars]');
  });

  it('gives the API’s trace unchanged with --format json', async () => {
    const run = await runCli(['traces', 'get', 'taubench-airline-0-1', '--format', 'json'], { env: env() });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(await apiGet('/v1/traces/taubench-airline-0-1'));
  });

  it('answers an unknown trace with exit 2', async () => {
    const run = await runCli(['traces', 'get', 'no-such-trace'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("loupe: trace 'no-such-trace' not found in this project\n");
  });
});

describe('loupe traces get on other SDKs’ chats', () => {
  const run = crypto.randomUUID().slice(0, 8);
  const traceOf = (dialect: string) => `e2e-cli-${dialect}-${run}`;
  beforeAll(async () => {
    // Started long before the demo's traces, so newest-first lists elsewhere are not changed.
    const spans = (['gemini', 'langchain'] as const).flatMap((d) => weatherChat(d, traceOf(d), Date.UTC(2025, 5, 1)));
    const posted = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    expect(posted.status).toBe(202);
  });

  it.each(['gemini', 'langchain'])('renders a %s chat as chat turns with its tool call and result, as the review UI shows it', async (dialect) => {
    await expect.poll(async () => (await apiGet(`/v1/traces/${traceOf(dialect)}`)).trace?.span_count).toBe(3);
    const cli = await runCli(['traces', 'get', traceOf(dialect)], { env: env() });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("    - user: What's the weather in Paris?\n");
    expect(cli.stdout).toContain('    - assistant: → calls get_weather({"city":"Paris"})\n');
    expect(cli.stdout).toContain('    - tool result (get_weather): {"temperature_c":18,"sky":"sunny"}\n');
    expect(cli.stdout).toContain('    - assistant: It is 18°C and sunny in Paris.\n');
    expect(cli.stdout).not.toMatch(/- (input|output): \{/);
  });
});

describe('loupe traces export', () => {
  it('streams every matching trace to a file, one per line, without a progress bar when not on a terminal', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loupe-export-')), 'failed.jsonl');
    const run = await runCli(['traces', 'export', 'feedback.outcome=0', '--out', out], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`Exported 116 traces to ${out}.\n`);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(116);
    expect(new Set(lines.map((t) => t.id)).size).toBe(116);
    for (const t of lines) expect(t.feedback.outcome.avg).toBe(0);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('writes whole traces with --with-spans', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loupe-export-')), 'trees.jsonl');
    const run = await runCli(['traces', 'export', 'feedback.outcome=1', '--limit', '3', '--with-spans', '--out', out], { env: env() });
    expect(run.code).toBe(0);
    const trees = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(trees).toHaveLength(3);
    for (const t of trees) expect(t.spans.length).toBe(t.trace.span_count);
  });

  it('leaves no file behind when the export fails', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'loupe-export-')), 'x.jsonl');
    const run = await runCli(['traces', 'export', 'latency>', '--out', out], { env: env() });
    expect(run.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('loupe spans list', () => {
  it('finds failing tool calls across traces', async () => {
    const run = await runCli(['spans', 'list', 'kind=tool name=book_reservation status=error', '--limit', '3'], { env: env() });
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('| `taubench-airline-'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toContain('| tool | book_reservation | error: Error:');
  });
});

describe('loupe feedback', () => {
  it('adds feedback that the API then shows on the trace, once however often it is added', async () => {
    const args = ['feedback', 'add', 'taubench-airline-15-0', 'cli_failure=wrong_payment', '--comment', 'split the payment wrongly', '--correction', '{"paid": 305}', '--author', 'cli-test'];
    const first = await runCli(args, { env: env() });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('on trace taubench-airline-15-0: cli_failure = "wrong_payment" "split the payment wrongly" (with a correction)');
    expect((await runCli(args, { env: env() })).code).toBe(0);
    const tree = await apiGet('/v1/traces/taubench-airline-15-0');
    const rows = tree.feedback.filter((f: any) => f.key === 'cli_failure');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ value: 'wrong_payment', comment: 'split the payment wrongly', correction: { paid: 305 }, author: 'cli-test', source: 'api' });
    const keys = await runCli(['feedback', 'keys'], { env: env() });
    expect(keys.stdout).toContain('| cli_failure | 1 |');
  });

  it('reads key=number as a score and rejects a malformed assignment before calling the server', async () => {
    const ok = await runCli(['feedback', 'add', 'taubench-airline-15-0', 'cli_score=0.25', '--format', 'json'], { env: env() });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ key: 'cli_score', score: 0.25, value: null });
    const bad = await runCli(['feedback', 'add', 'taubench-airline-15-0', 'no-equals-sign'], { env: cleanEnv() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('should be <key>=<score|value>');
  });
});

describe('loupe login and configuration', () => {
  it('saves a checked URL and key readable only by the user, and later commands use them', async () => {
    const config = cleanEnv();
    const login = await runCli(['login', '--url', `${loupe.url}/`, '--api-key', loupe.apiKey], { env: config });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${loupe.url}: project default`);
    const file = join(config.XDG_CONFIG_HOME!, 'loupe', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: loupe.url, api_key: loupe.apiKey });
    const list = await runCli(['traces', 'list', '--limit', '1'], { env: config });
    expect(list.code).toBe(0);
    // The environment beats the file, and flags beat the environment.
    const envWins = await runCli(['traces', 'list', '--limit', '1'], { env: { ...config, LOUPE_API_KEY: 'lp_wrong' } });
    expect(envWins.code).toBe(2);
    const flagWins = await runCli(['traces', 'list', '--limit', '1', '--api-key', loupe.apiKey], { env: { ...config, LOUPE_API_KEY: 'lp_wrong' } });
    expect(flagWins.code).toBe(0);
  });

  it('takes the key on standard input, and saves nothing when the key is refused', async () => {
    const config = cleanEnv();
    const piped = await runCli(['login', '--url', loupe.url], { env: config, input: `${loupe.apiKey}\n` });
    expect(piped.code).toBe(0);
    const other = cleanEnv();
    const refused = await runCli(['login', '--url', loupe.url, '--api-key', 'lp_wrong'], { env: other });
    expect(refused.code).toBe(2);
    expect(existsSync(join(other.XDG_CONFIG_HOME!, 'loupe', 'config.json'))).toBe(false);
  });

  it('asks for a server when none is configured, exit 1', async () => {
    const run = await runCli(['traces', 'list'], { env: cleanEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no Loupe server configured: pass --url, set LOUPE_URL, or run `loupe login`');
  });

  it('prints the UI link of a trace with loupe open', async () => {
    const run = await runCli(['open', 'taubench-airline-0-1'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${loupe.url}/traces/taubench-airline-0-1\n`);
  });
});

describe('the bundled CLI', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, [new URL('../../cli/build.js', import.meta.url).pathname], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  });

  it('runs where Node cannot strip TypeScript types (older Node, global installs)', async () => {
    const run = await runCli(['traces', 'list', 'feedback.outcome=1', '--limit', '2'], { env: env(), nodeArgs: ['--no-experimental-strip-types'] });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('| `taubench-airline-'))).toHaveLength(2);
  });
});

describe('loupe traces delete', () => {
  const post = async (spans: unknown[]) => {
    const res = await fetch(`${loupe.url}/v1/spans`, { method: 'POST', headers: { authorization: `Bearer ${loupe.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    expect(res.status).toBe(202);
  };
  // The cron fires every minute locally; the test fires it itself so it need not wait.
  const tick = () => fetch(`${loupe.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);

  it("refuses without --yes when not at a terminal, then deletes an end user's traces and follows the job to done", async () => {
    const user = `cli-delete-${Date.now()}`;
    const ids = [`${user}-a`, `${user}-b`];
    await post(ids.map((id) => ({ id: `${id}-root`, trace_id: id, name: 'support', kind: 'agent', start_time: new Date().toISOString(), user_id: user, input: 'forget me' })));
    await until(async () => ((await apiGet(`/v1/traces?q=${encodeURIComponent(`user = "${user}"`)}`)).traces.length === 2 ? true : undefined), 20_000);

    const refused = await runCli(['traces', 'delete', '--user', user], { env: env(), input: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('add --yes');
    const both = await runCli(['traces', 'delete', 'env=x', '--user', user, '--yes'], { env: env() });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of a filter, --user or --trace');

    const ticking = setInterval(() => void tick(), 1_000);
    try {
      const run = await runCli(['--format', 'json', 'traces', 'delete', '--user', user, '--yes', '--wait'], { env: env() });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const job = JSON.parse(run.stdout);
      expect(job).toMatchObject({ kind: 'user', target: user, status: 'done', deleted_traces: 2 });
      const status = await runCli(['traces', 'deletion', job.id], { env: env() });
      expect(status.stdout).toContain(`Deletion \`${job.id}\` of end user \`${user}\`: **done**, 2 traces deleted`);
    } finally {
      clearInterval(ticking);
    }
    for (const id of ids) expect((await fetch(`${loupe.url}/v1/traces/${id}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } })).status).toBe(404);
  });

  it('names the problem with a filter that does not parse, and deletes nothing', async () => {
    const run = await runCli(['traces', 'delete', 'status', '= =', 'error', '--yes'], { env: env() });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/expected a value after '='/);
  });
});
