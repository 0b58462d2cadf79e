/**
 * The dashboard API's answers (GET /v1/stats/timeseries, /models, /releases) as the UI
 * reads them: the wire types of schema/wire/stats.ts (types only, so no zod in the bundle).
 */
export type { StatsModel, StatsModels, StatsPoint, StatsReleases, StatsSeries, StatsSummary, StatsTimeseries } from '../../../schema/wire/stats.ts';
