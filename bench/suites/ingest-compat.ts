/** OTLP protobuf and LangSmith multipart ingest against native, same workload (issue 3). */
import { scriptSuite } from '../lib/script-suite.ts';

export const suite = scriptSuite('compat', 'ingest-compat.ts', 'spans/s to queryable through OTLP and LangSmith, as a ratio to native', 60, { BENCH_TRACES: 20_000 });
