/**
 * The statistics room's public entry: pure maths for experiments (intervals, paired and
 * clustered differences, McNemar, pass@k), insights (lift, Fisher, Benjamini-Hochberg,
 * NMI) and calibration (agreement). No I/O, no imports from the rest of the Worker.
 * Formulas and references: docs/statistics.md.
 */
export { DEFAULT_CONFIDENCE, type Interval } from './interval.ts';
export * from './distributions.ts';
export * from './proportions.ts';
export * from './means.ts';
export * from './paired.ts';
export * from './tests.ts';
export * from './reliability.ts';
export * from './multiple.ts';
export * from './lift.ts';
export * from './agreement.ts';
export * from './information.ts';
