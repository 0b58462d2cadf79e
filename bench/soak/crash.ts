/**
 * Crash safety soak (issue 16): four clients post 50-span traces through the native, OTLP
 * (protobuf) and LangSmith (multipart) paths to a real local Loupe; at a random moment the
 * whole `wrangler dev` process group is SIGKILLed (workerd with it, so in-flight queue
 * messages are lost, as a crash loses them) and Loupe is started again on the same state.
 * After the last round it waits until every request answered 2xx is queryable, exactly:
 * each request's traces carry their own tag, and each must hold exactly the spans sent.
 *
 * Run: `npm run soak -- crash` (SOAK_ROUNDS, default 10; SOAK_WAIT_S, how long to wait for recovery,
 * default 300). Prints the figures and writes them to bench/results/.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLoupe, type LocalLoupe } from '../../scripts/local.ts';
import { request, type Path } from './requests.ts';

const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 10);
const WAIT_S = Number(process.env.SOAK_WAIT_S ?? 300);
const CLIENTS = 4;
const TRACES_PER_REQUEST = 2;
const SPANS_PER_TRACE = 50;
const log = (line: string) => console.log(`[soak:crash] ${line}`);

interface Sent {
  tag: string;
  path: Path;
  round: number;
  spans: number;
  traces: number;
}

/** Posts until `stop` resolves; records every request answered 2xx. A request cut by the kill is not counted (it was never acknowledged). */
async function client(n: number, round: number, loupe: LocalLoupe, stopped: () => boolean, acked: Sent[]): Promise<number> {
  const paths: Path[] = ['native', 'otlp', 'langsmith'];
  let sent = 0;
  for (let i = 0; !stopped(); i++) {
    const path = paths[(n + i) % paths.length];
    const tag = `soak-${round}-${n}-${i}-${randomBytes(3).toString('hex')}`;
    try {
      const res = await request(path, tag, loupe, TRACES_PER_REQUEST, SPANS_PER_TRACE)();
      await res.arrayBuffer();
      sent++;
      if (res.ok) acked.push({ tag, path, round, spans: TRACES_PER_REQUEST * SPANS_PER_TRACE, traces: TRACES_PER_REQUEST });
      else if (res.status === 429) await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      else throw new Error(`${path}: ${res.status}`);
    } catch (err) {
      if (stopped()) break;
      throw err;
    }
  }
  return sent;
}

/** How a request's traces look now: count and spans (exact). */
async function check(loupe: LocalLoupe, s: Sent): Promise<{ traces: number; spans: number }> {
  const res = await fetch(`${loupe.url}/v1/traces?${new URLSearchParams({ q: `tag=${s.tag}`, limit: '50' })}`, { headers: { authorization: `Bearer ${loupe.apiKey}` } });
  if (!res.ok) throw new Error(`traces ${s.tag}: ${res.status}`);
  const page = (await res.json()) as { traces: { span_count: number }[] };
  return { traces: page.traces.length, spans: page.traces.reduce((n, t) => n + t.span_count, 0) };
}

async function main() {
  const persistTo = await mkdtemp(join(tmpdir(), 'loupe-soak-crash-'));
  const vars = { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const acked: Sent[] = [];
  const started = Date.now();
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const loupe = await startLoupe({ persistTo, port: 0, demo: false, vars, detached: true });
      log(`round ${round}: Loupe up at ${loupe.url}`);
      const killAfter = 1500 + Math.random() * 4500;
      let stopped = false;
      const before = acked.length;
      const clients = Array.from({ length: CLIENTS }, (_, n) => client(n, round, loupe, () => stopped, acked).catch((err) => (log(`client ${n}: ${err}`), 0)));
      await new Promise((r) => setTimeout(r, killAfter));
      stopped = true;
      const exited = new Promise((r) => loupe.child.once('exit', r));
      process.kill(-loupe.child.pid!, 'SIGKILL');
      await exited;
      await loupe.stop(); // clears its local cron timer (the process is gone already)
      await Promise.all(clients);
      log(`round ${round}: killed after ${(killAfter / 1000).toFixed(1)} s; ${acked.length - before} requests acknowledged this round`);
    }
    // Start again and wait: every acknowledged request's traces must be there, exactly.
    const loupe = await startLoupe({ persistTo, port: 0, demo: false, vars, detached: true });
    const recoveryStart = Date.now();
    let missing = acked;
    let over: Sent[] = [];
    while (Date.now() - recoveryStart < WAIT_S * 1000) {
      const next: Sent[] = [];
      over = [];
      for (const s of missing) {
        const got = await check(loupe, s);
        if (got.traces > s.traces || got.spans > s.spans) over.push(s);
        else if (got.traces < s.traces || got.spans < s.spans) next.push(s);
      }
      missing = next;
      if (!missing.length) break;
      log(`waiting: ${missing.length} of ${acked.length} acknowledged requests not fully queryable yet`);
      await new Promise((r) => setTimeout(r, 10_000));
    }
    const recoverySeconds = (Date.now() - recoveryStart) / 1000;
    await loupe.stop();
    const spans = acked.reduce((n, s) => n + s.spans, 0);
    const result = {
      suite: 'soak-crash',
      at: new Date().toISOString(),
      load: loadavg().map((l) => Number(l.toFixed(2))),
      rounds: ROUNDS,
      acknowledged_requests: acked.length,
      acknowledged_spans: spans,
      by_path: Object.fromEntries((['native', 'otlp', 'langsmith'] as Path[]).map((p) => [p, acked.filter((s) => s.path === p).length])),
      lost_requests: missing.length,
      lost_spans: missing.reduce((n, s) => n + s.spans, 0),
      duplicated_requests: over.length,
      recovery_seconds: Number(recoverySeconds.toFixed(1)),
      total_seconds: Math.round((Date.now() - started) / 1000),
    };
    log(JSON.stringify(result));
    await mkdir(new URL('../results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`../results/soak-crash-${result.at.replace(/[:.]/g, '-')}.json`, import.meta.url), JSON.stringify(result, null, 2));
    if (missing.length || over.length) process.exitCode = 1;
  } finally {
    await rm(persistTo, { recursive: true, force: true });
  }
}

await main();
