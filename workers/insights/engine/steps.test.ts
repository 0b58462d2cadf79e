import { describe, it, expect } from 'vitest';
import { demoSummaries } from '../../../test/insights-helpers.ts';
import { assignChunk, finalizeReport, fitReport, mergeTallies, patternMembers, planReport, runReport, sampleMembership, type TraceMembership } from './steps.ts';
import type { Tally } from './tally.ts';

// 60 conversations keep the file fast; the benchmark runs the whole demo.
const traces = demoSummaries().slice(0, 60);
const json = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe('a report in steps', () => {
  it('gives the same report whether chunks are assigned in order, reversed, or merged in another grouping, through JSON state', { timeout: 30_000 }, () => {
    const whole = runReport(traces);
    const plan = json(planReport({ totalTraces: traces.length, failingTraces: traces.filter((s) => s.failed).length }, { chunkSize: 7 }));
    const picked = traces.map((s) => sampleMembership(plan, s.id, s.failed));
    const model = json(fitReport(plan, traces.filter((_, i) => picked[i].intent), traces.filter((_, i) => picked[i].failure)));
    const chunks: number[][] = [];
    for (let i = 0; i < traces.length; i += plan.chunkSize) chunks.push([i, Math.min(traces.length, i + plan.chunkSize)]);
    // Each assign step is its own invocation: its output is stored as JSON and read back.
    const outputs = [...chunks].reverse().map(([a, b]) => json(assignChunk(model, traces.slice(a, b))));
    const leftFold = outputs.map((o) => o.tally).reduce((x, y) => mergeTallies(x, y));
    const pairs: Tally[] = [];
    for (let i = 0; i < outputs.length; i += 2) pairs.push(outputs[i + 1] ? mergeTallies(outputs[i + 1].tally, outputs[i].tally) : outputs[i].tally);
    const treeFold = pairs.reduce((x, y) => mergeTallies(y, x));
    expect(treeFold).toEqual(leftFold);
    const report = finalizeReport(model, json(leftFold));
    expect(report).toEqual(whole.report);
    const members = outputs.flatMap((o) => o.members).sort((x, y) => x.trace.localeCompare(y.trace));
    expect(members).toEqual([...whole.members].sort((x, y) => x.trace.localeCompare(y.trace)));
  });

  it('lists every trace of the report in exactly one intent, and failing traces in failure clusters', () => {
    const { members, report } = runReport(traces);
    expect(members.map((m) => m.trace).sort()).toEqual(traces.map((s) => s.id).sort());
    const failed = new Set(traces.filter((s) => s.failed).map((s) => s.id));
    for (const m of members) {
      expect(m.intent).toBeTruthy();
      if (failed.has(m.trace)) expect(m.trajectoryCluster).toBeTruthy();
      else expect([m.trajectoryCluster, m.reviewCluster]).toEqual([null, null]);
    }
    expect(report.failureClusters.byTrajectory.reduce((s, c) => s + c.size, 0)).toBe(failed.size);
  });

  it('give each pattern exactly its support in member traces', () => {
    const { report, patternMembers: members } = runReport(traces);
    expect(report.patterns.length).toBeGreaterThan(0);
    for (const p of report.patterns) expect(members[p.key].length).toBe(p.support);
  });

  it('fit on a sample by trace-id hash beyond the sample size, assign every trace, and say so', () => {
    const plan = planReport({ totalTraces: traces.length, failingTraces: traces.filter((s) => s.failed).length }, { sampleSize: 25, failureSampleSize: 10 });
    expect(plan.sampleRate).toBeLessThan(1);
    const picked = traces.map((s) => sampleMembership(plan, s.id, s.failed));
    // The sample depends on the ids alone, not on the order traces arrive in.
    const reversed = [...traces].reverse().map((s) => sampleMembership(plan, s.id, s.failed)).reverse();
    expect(reversed).toEqual(picked);
    const model = fitReport(plan, traces.filter((_, i) => picked[i].intent), traces.filter((_, i) => picked[i].failure));
    expect(model.sample.traces).toBeLessThanOrEqual(25);
    expect(model.sample.failing).toBeLessThanOrEqual(10);
    const { members, tally } = assignChunk(model, traces);
    expect(members.length).toBe(traces.length);
    const report = finalizeReport(model, tally);
    expect(report.sample.sampled).toBe(true);
    expect(report.notes.join(' ')).toMatch(/intent clusters were fitted on a sample of \d+ of 60 traces/);
    const ids = patternMembers(model, report, traces, members as TraceMembership[]);
    expect(Object.keys(ids).sort()).toEqual(report.patterns.map((p) => p.key).sort());
  });
});
