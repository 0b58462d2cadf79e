/**
 * `npm run rebuild -- --project <id> [--url <loupe>]`: rebuilds one project's D1 index
 * (spans, full-text entries, trace roll-ups) from its R2 raw log, by calling the operator
 * route POST /v1/operator/rebuild step after step until it is done (each step is bounded
 * so it fits one Worker invocation; the cursor between steps is all the state, so an
 * interrupted run is resumed with `--cursor <last printed cursor>`).
 * Authorised by the instance's SETUP_SECRET: from the environment, else from .dev.vars
 * (what `npm start` made). The URL: --url, else LOUPE_URL, else http://localhost:8787.
 */
import { parseArgs } from 'node:util';
import { operatorCall, operatorUrl, setupSecret } from './operator-client.ts';

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
  const url = operatorUrl(values.url);
  const secret = setupSecret();
  let cursor: string | null = values.cursor ?? null;
  const totals = { deleted_spans: 0, deleted_traces: 0, batches: 0, spans: 0 };
  const started = Date.now();
  for (;;) {
    const step = await operatorCall<Step>(url, secret, 'POST', '/v1/operator/rebuild', { project_id: values.project, cursor }, cursor ? `\nresume with --cursor ${cursor}` : '');
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
