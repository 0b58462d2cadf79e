/**
 * CPU profile of the Worker under an ingest workload: `node bench/profile-worker.ts
 * [native|otlp|langsmith] [traces]` (PROFILE_SNIPPETS=1 shows code for named frames too;
 * PROFILE_INCLUSIVE=1 adds each named function's time including its callees). Starts a fresh local Loupe, attaches to workerd's
 * DevTools inspector (the same protocol Chrome DevTools speaks), samples the CPU while the
 * workload is posted and indexed, and prints the functions with the most self time. The
 * request path and the queue consumer share one isolate locally, so both show up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, startLoupe } from '../scripts/local.ts';
import { DEFAULT_WORKLOAD, type Workload } from './compat-workload.ts';
import { benchNative } from './ingest-compat.ts';
import { benchOtlp } from './ingest-otlp.ts';
import { benchLangsmith } from './ingest-langsmith.ts';
import { Inspector } from './lib/inspector.ts';

const path = (process.argv[2] ?? 'otlp') as 'native' | 'otlp' | 'langsmith';
const traces = Number(process.argv[3] ?? 4_000);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId: string };
  children?: number[];
}


const dir = await mkdtemp(join(tmpdir(), 'loupe-profile-'));
const inspectorPort = await freePort();
const loupe = await startLoupe({ port: 0, persistTo: dir, demo: false, inspectorPort, vars: { SETUP_SECRET: randomBytes(16).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('base64') } });
try {
  const inspector = await Inspector.connect(inspectorPort);
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: 200 });
  await inspector.send('Profiler.start');
  const workload: Workload = { ...DEFAULT_WORKLOAD, traces, tag: `profile-${Date.now()}` };
  const run = path === 'native' ? benchNative : path === 'otlp' ? benchOtlp : benchLangsmith;
  const result = await run(loupe, workload);
  const { profile } = await inspector.send('Profiler.stop');
  const self = new Map<string, number>();
  const frameOf = new Map<string, Node['callFrame']>();
  const timeOf = new Map<number, number>();
  profile.samples.forEach((id: number, i: number) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  for (const n of profile.nodes as Node[]) {
    const t = timeOf.get(n.id) ?? 0;
    total += t;
    const where = n.callFrame.url ? `${n.callFrame.url.replace(/^.*\/(workers|schema|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
    frameOf.set(key, n.callFrame);
  }
  // Bundled code has no names worth reading for anonymous functions: show their first characters.
  await inspector.send('Debugger.enable');
  const sources = new Map<string, string[]>();
  const snippet = async (frame: Node['callFrame']): Promise<string> => {
    if (!frame.scriptId || frame.scriptId === '0') return '';
    if (!sources.has(frame.scriptId)) {
      const res = await inspector.send('Debugger.getScriptSource', { scriptId: frame.scriptId });
      sources.set(frame.scriptId, String(res?.scriptSource ?? '').split('\n'));
    }
    const line = sources.get(frame.scriptId)![frame.lineNumber] ?? '';
    return line.slice(Math.max(0, frame.columnNumber - 20), frame.columnNumber + (process.env.PROFILE_SNIPPETS ? 400 : 60)).trim();
  };
  console.log(`${path}: ${result.spans} spans in ${result.seconds.toFixed(1)} s = ${Math.round(result.spans / result.seconds)} spans/s; ${(total / 1e6).toFixed(1)} s sampled`);
  for (const [key, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    const frame = frameOf.get(key);
    const code = frame && (!frame.functionName || process.env.PROFILE_SNIPPETS) ? `  | ${await snippet(frame)}` : '';
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}${code}`);
  }
  if (process.env.PROFILE_INCLUSIVE) {
    // Inclusive time (self plus callees) per named function: where a request's CPU goes.
    const byId = new Map((profile.nodes as Node[]).map((n) => [n.id, n]));
    const inclusiveOf = new Map<number, number>();
    const inclusive = (id: number): number => {
      const known = inclusiveOf.get(id);
      if (known !== undefined) return known;
      const n = byId.get(id)!;
      const t = (timeOf.get(id) ?? 0) + (n.children ?? []).reduce((sum, c) => sum + inclusive(c), 0);
      inclusiveOf.set(id, t);
      return t;
    };
    const byName = new Map<string, number>();
    const walk = (id: number, onStack: Set<string>) => {
      const n = byId.get(id)!;
      const name = n.callFrame.functionName;
      const counted = name && !onStack.has(name);
      if (counted) byName.set(name, (byName.get(name) ?? 0) + inclusive(id));
      const next = counted ? new Set(onStack).add(name) : onStack;
      for (const c of n.children ?? []) walk(c, next);
    };
    walk((profile.nodes as Node[])[0].id, new Set());
    console.log('inclusive:');
    for (const [name, us] of [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
  inspector.close();
} finally {
  await loupe.stop();
  await rm(dir, { recursive: true, force: true });
}
