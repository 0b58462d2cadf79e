/** Datasets (issue 15): adding 10,000 examples from a filter, reading pages of a 100,000-example dataset at old and latest versions, exporting it as JSONL. */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('datasets', 'datasets.ts', 'examples/s from a filter and memory; page reads of a 100k-example dataset at old and latest versions (p50/p95); JSONL export throughput and memory', 95, { BENCH_TRACES: 10_000, BENCH_EXAMPLES: 100_000 });
