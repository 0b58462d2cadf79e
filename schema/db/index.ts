/** Every D1 table, for drizzle-kit and for typed queries. */
export * from './tenancy.ts';
export * from './traces.ts';
export * from './ingest.ts';
export * from './langsmith.ts';
export * from './evals.ts';
export * from './accounts.ts';
export * from './review.ts';
export * from './datasets.ts';
export * from './experiments.ts';
export * from './calibration.ts';
export * from './insights.ts';
export * from './audit.ts';
export * from './monitoring.ts';
export * from './redaction.ts';
export * from './lifecycle.ts';
export * from './portability.ts';
export * from './rollups.ts';
