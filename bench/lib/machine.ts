/** The machine and toolchain a benchmark ran on, recorded with every result. */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { repoRoot } from '../../scripts/local.ts';

/** CPU, memory, load and versions of node, wrangler and the workerd wrangler runs. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  /** 1-minute load average when the run started and ended (others share the machine). */
  load: { start: number; end?: number };
  node: string;
  wrangler: string;
  workerd: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** Describes this machine now. */
export function describeMachine(): Machine {
  const require = createRequire(`${repoRoot}package.json`);
  const wranglerPkg = require.resolve('wrangler/package.json');
  // The workerd binary wrangler starts is the one its own dependency resolves to.
  const workerdPkg = createRequire(wranglerPkg).resolve('workerd/package.json');
  const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  return {
    cores: availableParallelism(),
    cpu: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    load: { start: loadavg()[0] },
    node: process.version,
    wrangler: version(wranglerPkg),
    workerd: version(workerdPkg),
  };
}
