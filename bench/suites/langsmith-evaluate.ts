/** The langsmith SDK's evaluate() against Loupe: examples/s, spans/s and the ratio to native ingest (issue 11). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('langsmith-evaluate', 'langsmith-evaluate.ts', "the langsmith SDK's evaluate() over 300 examples at concurrency 8: spans/s against native ingest of the same traces", 91, { BENCH_EXAMPLES: 300 });
