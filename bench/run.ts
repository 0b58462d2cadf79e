/**
 * `npm run bench [-- <suite>...] [--scale N] [--port-base P] [--keep]`: runs the named
 * benchmark suites (every suite when none is named) and prints their figures, with the
 * machine they ran on. A suite is any file in bench/suites/ exporting `suite` (see
 * bench/lib/suite.ts), so a new benchmark is a new file. Results are also written as
 * JSON to bench/results/<time>.json (git-ignored).
 *
 * --scale N    divide workload sizes by N (a quick smoke run; figures are not comparable)
 * --port-base  first port for the servers suites start (default: any free port)
 * --keep       keep the temporary directories (local D1/R2 state) for inspection
 */
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { describeMachine } from './lib/machine.ts';
import { startSqliteHost, type SqliteHost } from './lib/sqlite.ts';
import type { BenchSuite, Figure, SuiteResult } from './lib/suite.ts';

process.env.WRANGLER_SEND_METRICS = 'false';

async function loadSuites(): Promise<BenchSuite[]> {
  const dir = new URL('./suites/', import.meta.url);
  const suites: BenchSuite[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(new URL(file, dir).href)) as { suite?: BenchSuite };
    if (mod.suite) suites.push(mod.suite);
  }
  return suites.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

function formatValue(f: Figure): string {
  const v = Math.abs(f.value) >= 100 ? Math.round(f.value).toLocaleString('en-US') : String(f.value);
  return `${v} ${f.unit}`;
}

function verdict(f: Figure): string {
  if (!f.target) return '';
  const ok = f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
  return `${ok ? 'meets' : 'MISSES'} target ${f.target.op} ${f.target.value}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { scale: { type: 'string', default: '1' }, 'port-base': { type: 'string', default: process.env.BENCH_PORT_BASE ?? '0' }, keep: { type: 'boolean', default: false } },
  });
  const all = await loadSuites();
  const unknown = positionals.filter((p) => !all.some((s) => s.name === p));
  if (unknown.length) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${all.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const chosen = positionals.length ? all.filter((s) => positionals.includes(s.name)) : all;
  const machine = describeMachine();
  console.log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB; node ${machine.node}, wrangler ${machine.wrangler}, workerd ${machine.workerd}; load ${machine.load.start.toFixed(2)}`);
  let sqlite: Promise<SqliteHost> | null = null;
  const results: Record<string, SuiteResult & { seconds: number; loadStart: number; loadEnd: number }> = {};
  const root = mkdtempSync(`${tmpdir()}/loupe-bench-`);
  const keep = values.keep ?? false;
  try {
    for (const suite of chosen) {
      console.log(`\n== ${suite.name}: ${suite.description}`);
      const started = performance.now();
      const loadStart = loadavg()[0];
      const result = await suite.run({
        portBase: Number(values['port-base']),
        scale: Math.max(1, Number(values.scale) || 1),
        keep,
        tmpDir: `${root}/${suite.name}`,
        log: (line) => console.log(`   ${line}`),
        sqlite: () => (sqlite ??= startSqliteHost()),
      });
      results[suite.name] = { ...result, seconds: Math.round((performance.now() - started) / 100) / 10, loadStart, loadEnd: loadavg()[0] };
      for (const f of result.figures) console.log(`   ${f.name.padEnd(52)} ${formatValue(f).padStart(18)}  ${verdict(f)}`);
      console.log(`   (${results[suite.name].seconds} s)`);
    }
  } finally {
    if (sqlite) await (await (sqlite as Promise<SqliteHost>).catch(() => null))?.close();
    if (keep) console.log(`\nkept temporary state in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  machine.load.end = loadavg()[0];
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${new Date().toISOString().replace(/[:.]/g, '-')}.json`, dir);
  writeFileSync(file, JSON.stringify({ machine, scale: Number(values.scale), suites: results }, null, 2));
  console.log(`\nresults written to ${file.pathname}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
