/** Insights engine: CPU, wall time and memory per step for 10,000 and 100,000 synthetic traces (issue 12). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('insights', 'insights-scale.ts', 'Insights engine steps over 10,000 and 100,000 traces: CPU, wall time, heap (128 MB step threads), state sizes', 60, { INSIGHTS_MAX_TRACES: 100_000 });
