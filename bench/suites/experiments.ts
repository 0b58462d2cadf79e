/** Comparison latency of two 10,000-example experiments and `loupe experiments run` overhead per example (issue 11). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('experiments', 'experiments.ts', 'compare two 10,000-example experiments (p95) and the CLI runner overhead per example at concurrency 8', 90, { BENCH_EXAMPLES: 10_000, BENCH_CLI_EXAMPLES: 200, BENCH_SCORED_EXAMPLES: 1_000 });
