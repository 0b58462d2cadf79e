/**
 * `npm run rebuild -- --project <id> [--url <loupe>]`: rebuilds one project's D1 index
 * (spans, full-text entries, trace roll-ups) from its R2 raw log, by calling the operator
 * route POST /v1/operator/rebuild step after step until it is done (each step is bounded
 * so it fits one Worker invocation; the cursor between steps is all the state, so an
 * interrupted run is resumed with `--cursor <last printed cursor>`).
 * Authorised by the instance's SETUP_SECRET: from the environment, else from .dev.vars
 * (what `npm start` made). The URL: --url, else LOUPE_URL, else http://localhost:8787.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const repoRoot = new URL('..', import.meta.url).pathname;

function setupSecret(): string {
  if (process.env.SETUP_SECRET) return process.env.SETUP_SECRET;
  const path = `${repoRoot}.dev.vars`;
  const m = existsSync(path) ? /^SETUP_SECRET=(.*)$/m.exec(readFileSync(path, 'utf8')) : null;
  if (!m) throw new Error('set SETUP_SECRET (the instance secret; `npm start` keeps the local one in .dev.vars)');
  return m[1].trim();
}

interface Step {
  phase: 'wipe' | 'index';
  cursor: string | null;
  done: boolean;
  deleted_spans: number;
  deleted_traces: number;
  batches: number;
  spans: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { project: { type: 'string' }, url: { type: 'string' }, cursor: { type: 'string' } } });
  if (!values.project) throw new Error('usage: npm run rebuild -- --project <project id> [--url <loupe url>] [--cursor <resume from>]');
  const url = (values.url ?? process.env.LOUPE_URL ?? 'http://localhost:8787').replace(/\/$/, '');
  const secret = setupSecret();
  let cursor: string | null = values.cursor ?? null;
  const totals = { deleted_spans: 0, deleted_traces: 0, batches: 0, spans: 0 };
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${url}/v1/operator/rebuild`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ project_id: values.project, cursor }),
    }).catch((err: Error) => {
      throw new Error(`cannot reach Loupe at ${url} (${String((err.cause as Error)?.message ?? err.message)}); pass --url or LOUPE_URL${cursor ? `\nresume with --cursor ${cursor}` : ''}`);
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`step failed (${res.status}): ${text.slice(0, 500)}${cursor ? `\nresume with --cursor ${cursor}` : ''}`);
    const step = JSON.parse(text) as Step;
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += step[k];
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`${step.phase}: ${totals.deleted_spans} span rows wiped, ${totals.batches} batches / ${totals.spans} spans indexed (${Math.round(totals.spans / Math.max(seconds, 0.001))} spans/s)\n`);
    if (step.done) break;
    cursor = step.cursor;
  }
  console.log(JSON.stringify({ project_id: values.project, ...totals, seconds: (Date.now() - started) / 1000 }));
}

main().catch((err) => {
  console.error(String(err?.message ?? err));
  process.exit(1);
});
