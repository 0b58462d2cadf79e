/** Wire schemas (zod): the API's request/response shapes, shared by workers, web and cli. */
export * from './time.ts';
export * from './span.ts';
export * from './feedback.ts';
export * from './trace.ts';
export * from './errors.ts';
export * from './query.ts';
export * from './accounts.ts';
export * from './facets.ts';
export * from './review.ts';
export * from './insights.ts';
export * from './threads.ts';
