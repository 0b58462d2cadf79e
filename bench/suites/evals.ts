/** Code-check throughput through the evals queue and judge overhead per call (issue 5). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('evals', 'evals.ts', 'traces scored per second through the Queue (10,000 traces) and judge overhead against the local fake provider', 70, { BENCH_TRACES: 10_000, BENCH_JUDGE_TRACES: 1_000 });
