/** Annotation queues (issue 6): claims and submits through one project's review hub, and routing to claimable. */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('review', 'review.ts', 'claims + submits/s with 20 reviewers through one review hub, claim latency, thumbs-down to claimable', 90, { BENCH_ITEMS: 2_000, BENCH_ROUTED: 30 });
