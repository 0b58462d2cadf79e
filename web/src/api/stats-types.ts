/**
 * The dashboard API's answers (GET /v1/stats/timeseries, /models, /releases, and
 * POST /v1/stats/batch that the dashboard page loads them with) as the UI
 * reads them: the wire types of schema/wire/stats.ts (types only, so no zod in the bundle).
 */
export type { StatsBatch, StatsModel, StatsModels, StatsPoint, StatsReleases, StatsSeries, StatsSummary, StatsTimeseries } from '../../../schema/wire/stats.ts';
