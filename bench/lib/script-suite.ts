/**
 * A suite that runs a standalone benchmark script (one that prints its own table) as a
 * child process under the same Node, so `npm run bench` runs it with the others and
 * `npm run bench -- <name>` runs it alone. The script's output is shown as it runs and
 * kept in the JSON record; its figures are in its own table, not re-parsed here.
 */
import { spawn } from 'node:child_process';
import type { BenchSuite } from './suite.ts';

/**
 * Wraps bench/<file> as a named suite. `sizes` names the script's workload variables and
 * their full sizes; `--scale N` divides them (a smoke run).
 */
export function scriptSuite(name: string, file: string, description: string, order = 100, sizes: Record<string, number> = {}): BenchSuite {
  return {
    name,
    description,
    order,
    async run(ctx) {
      const script = new URL(`../${file}`, import.meta.url).pathname;
      const env: Record<string, string | undefined> = { ...process.env, WRANGLER_SEND_METRICS: 'false', ...(ctx.portBase ? { PORT: String(ctx.portBase), BENCH_PORT: String(ctx.portBase) } : {}) };
      for (const [variable, full] of Object.entries(sizes)) env[variable] ??= String(Math.max(1, Math.round(full / ctx.scale)));
      let output = '';
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          process.stdout.write(d);
        });
        child.on('exit', resolve);
      });
      if (code !== 0) throw new Error(`${file} exited with ${code}`);
      return { figures: [], details: { output } };
    },
  };
}
