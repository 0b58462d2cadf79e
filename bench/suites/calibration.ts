/** Agreement over 10,000 labelled pairs and an alignment of 200 examples with the local fake provider (issue 17). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('calibration', 'calibration.ts', 'agreement read over 10,000 labelled pairs (aim < 200 ms) and an alignment of 200 examples against the local fake provider', 75, { BENCH_PAIRS: 10_000, BENCH_ALIGN: 200 });
