/** Insights quality on tau-bench and tau2-bench: NMI of intents vs tasks, hierarchy, failure clusters and patterns (issue 12). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('insights-quality', 'insights-quality.ts', 'Insights on labelled agent data: intent clusters vs task ids (NMI), failure patterns with lift, interval and q', 61);
