import { describe, it, expect } from 'vitest';
import { demoSummaries, summary } from '../../../test/insights-helpers.ts';
import { runReport, assignChunk } from './steps.ts';
import { fitIntents, assignIntent, NO_INPUT_ID } from './intents.ts';
import { distinguishingTerms } from './naming.ts';
import { seededRandom } from './hash.ts';

// 80 conversations (every task once, 30 twice) keep the file fast; the benchmark runs all 200.
const demo = demoSummaries().slice(0, 80);
let once: ReturnType<typeof runReport> | null = null;
/** One report of the demo slice, shared by the tests that only read it. */
const demoReport = () => (once ??= runReport(demo));

/** Requests about three things, phrased many ways, all sharing "order" and "account". */
function threeIntents(): { id: string; request: string; truth: string }[] {
  const random = seededRandom(3);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const topics: Record<string, string[]> = {
    refund: ['I want a refund for my order', 'please refund the charge on my account order', 'money back refund for order', 'refund my payment, the order was wrong'],
    shipping: ['where is my shipping package for the order', 'track shipping delivery of my order', 'my order parcel shipping is late', 'shipping address delivery for account order'],
    password: ['reset my account password', 'forgot password for my account, order page locked', 'password login fails on my account', 'change the password of my account'],
  };
  return Array.from({ length: 90 }, (_, i) => {
    const truth = Object.keys(topics)[i % 3];
    return { id: `q${String(i).padStart(3, '0')}`, request: `${pick(topics[truth])} ${pick(['today', 'asap', 'now', ''])}`, truth };
  });
}

describe('intent clusters', () => {
  it('are the same for the same traces, whatever their order', { timeout: 30_000 }, () => {
    const a = demoReport();
    const b = runReport([...demo].reverse());
    const byTrace = (m: { trace: string }[]) => [...m].sort((x, y) => x.trace.localeCompare(y.trace));
    expect(byTrace(b.members)).toEqual(byTrace(a.members));
    expect(b.report.intents.map((c) => [c.id, c.name, c.size])).toEqual(a.report.intents.map((c) => [c.id, c.name, c.size]));
    expect(b.report.patterns.map((p) => p.key)).toEqual(a.report.patterns.map((p) => p.key));
  });

  it('assign the same after the model is stored as JSON and read back (the state between steps)', () => {
    const { model } = demoReport();
    const stored = JSON.parse(JSON.stringify(model));
    expect(assignChunk(stored, demo)).toEqual(assignChunk(model, demo));
  });

  it('form a hierarchy: a few categories, subcategories under them, every trace in one leaf', () => {
    const { report, members } = demoReport();
    expect(report.intents.length).toBeGreaterThanOrEqual(2);
    expect(report.intents.length).toBeLessThanOrEqual(8);
    const leaves = report.intents.flatMap((c) => c.children ?? [c]);
    expect(leaves.reduce((s, c) => s + c.size, 0)).toBe(demo.length);
    for (const c of report.intents) if (c.children) expect(c.children.reduce((s, x) => s + x.size, 0)).toBe(c.size);
    expect(new Set(members.map((m) => m.intent))).toEqual(new Set(leaves.map((c) => c.id)));
  });

  it('separate three requested things and name each by its own words, not the words they share', () => {
    const docs = threeIntents();
    const model = fitIntents(docs.map((d) => summary(d.id, { request: d.request, requestSource: 'first_user_message' })), { seed: 1 });
    const assigned = docs.map((d) => assignIntent(model, summary(d.id, { request: d.request })));
    // Every leaf and every category holds one topic (the phrasings of a topic may form several).
    for (const key of ['leaf', 'category'] as const) {
      for (const id of new Set(assigned.map((a) => a[key]))) expect(new Set(docs.filter((_, i) => assigned[i][key] === id).map((d) => d.truth)).size).toBe(1);
    }
    expect(model.categories.length).toBeLessThanOrEqual(8);
    for (const c of model.categories) {
      const topic = docs[docs.findIndex((d) => d.id === c.examples[0])].truth;
      const word = topic === 'shipping' ? /shipping|delivery|track|parcel|package/ : new RegExp(topic);
      expect(c.terms.slice(0, 3).join(' ')).toMatch(word);
      expect(c.terms[0]).not.toBe('order');
    }
  });

  it('keep traces with no user input as the "(no input)" group, never dropped', () => {
    const blank = Array.from({ length: 6 }, (_, i) => summary(`blank-${i}`, { failed: i % 2 === 0 }));
    const idsOnly = summary('ids-only', { request: 'ZX81 #4411 2026-01-01', requestSource: 'first_user_message' });
    const { report, members } = runReport([...demo, ...blank, idsOnly]);
    expect(members.length).toBe(demo.length + 7);
    const none = report.intents.find((c) => c.id === NO_INPUT_ID)!;
    expect(none).toMatchObject({ name: '(no input)', size: 7, failures: 3 });
    expect(members.filter((m) => m.intent === NO_INPUT_ID).map((m) => m.trace).sort()).toEqual([...blank.map((b) => b.id), 'ids-only'].sort());
  });

  it('of a report where no trace has input are one "(no input)" group', () => {
    const { report } = runReport(Array.from({ length: 5 }, (_, i) => summary(`b${i}`)));
    expect(report.intents.map((c) => [c.id, c.size])).toEqual([[NO_INPUT_ID, 5]]);
  });
});

describe('c-TF-IDF names', () => {
  it('pick the terms that distinguish a cluster from the others', () => {
    const terms = ['order', 'refund', 'shipping', 'late'];
    // Both clusters say "order" most; only the first says "refund", only the second "shipping" and "late".
    const counts = [new Map([[0, 10], [1, 6]]), new Map([[0, 10], [2, 5], [3, 2]])];
    const [a, b] = distinguishingTerms(counts, terms, 2);
    expect(a.map((t) => t.term)).toEqual(['refund', 'order']);
    expect(b.map((t) => t.term)).toEqual(['shipping', 'order']);
  });

  it('show a phrase instead of the word it extends', () => {
    const terms = ['cancel', 'cancel flight', 'refund'];
    const [a] = distinguishingTerms([new Map([[0, 9], [1, 8], [2, 5]]), new Map([[2, 1]])], terms, 3);
    expect(a.map((t) => t.term)).toEqual(['cancel flight', 'refund']);
  });
});
