/**
 * Runs Insights engine steps inside a worker thread with a 128 MB heap limit (a Worker
 * invocation's memory), so bench/insights-scale.ts measures each step as it will run:
 * its inputs arrive as structured-cloned JSON state, and a step that outgrew the limit
 * would kill the thread (ERR_WORKER_OUT_OF_MEMORY) instead of passing quietly.
 * Messages: { step, input } -> { ms, cpuMs, heapMB, externalMB, output, outputBytes }.
 * cpuMs is the process's CPU time over the step (the main thread is idle, awaiting it):
 * what Workers' CPU limit counts, unlike wall time on a machine shared with other work.
 */
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { assignChunk, finalizeReport, fitReport, patternMembers, type ReportModel } from '../../workers/insights/engine/index.ts';

type Request =
  | { step: 'fit'; input: Parameters<typeof fitReport> }
  | { step: 'assign'; input: [ReportModel | null, Parameters<typeof assignChunk>[1]] }
  | { step: 'finalize'; input: [ReportModel | null, Parameters<typeof finalizeReport>[1]] }
  | { step: 'members'; input: [ReportModel | null, ...Parameters<typeof patternMembers> extends [unknown, ...infer R] ? R : never] };

// The model is sent once and kept: later steps would read it from R2 once per invocation.
let model: ReportModel | null = null;

parentPort!.on('message', (req: Request) => {
  const before = getHeapStatistics();
  const started = performance.now();
  const cpu = process.cpuUsage();
  let output: unknown;
  if (req.step === 'fit') output = model = fitReport(...req.input);
  else {
    if (req.input[0]) model = req.input[0];
    if (req.step === 'assign') output = assignChunk(model!, req.input[1]);
    else if (req.step === 'finalize') output = finalizeReport(model!, req.input[1]);
    else output = patternMembers(model!, req.input[1], req.input[2], req.input[3]);
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const after = getHeapStatistics();
  // The heap's size after the step (before any idle GC shrinks it) bounds what the step held at its peak.
  const heapMB = Math.max(before.total_heap_size, after.total_heap_size) / 2 ** 20;
  const externalMB = after.external_memory / 2 ** 20;
  const outputBytes = JSON.stringify(output).length;
  parentPort!.postMessage({ ms, cpuMs, heapMB, externalMB, output, outputBytes });
});
