/** Native ingest with PII redaction on against off, same workload (issue 14). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('redaction', 'ingest-redaction.ts', 'native ingest spans/s to queryable with PII redaction on (every detector, hash mode) as a ratio to off', 62, { BENCH_TRACES: 10_000 });
