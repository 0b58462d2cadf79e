/** The Insights report Workflow end to end in a local Loupe (wrangler dev): ingest N demo-derived traces, time one report from POST to done (issue 12). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('insights-workflow', 'insights-workflow.ts', 'Insights report Workflow end to end over 10,000 traces in wrangler dev (POST to done)', 61, { INSIGHTS_WORKFLOW_TRACES: 10_000 });
