/**
 * The vocabulary of a project (tags, metadata keys, feedback keys, environments, releases,
 * models, root span names) for the filter bar's autocomplete. Read from the newest traces
 * and spans only: a full scan would grow with the project, while the values people filter
 * on are, in practice, the ones in recent traffic.
 */
import { dbFor } from '../platform/db.ts';
import { feedbackKeys } from './feedback.ts';
import type { TraceFacets } from '../../schema/wire/facets.ts';

/** How many of the newest traces (and 5x as many spans) the facets are read from. */
export const FACET_SAMPLE_TRACES = 2000;
/** Most values returned per facet. */
export const FACET_LIMIT = 200;

/** The facets of a project. */
export async function traceFacets(env: Env, projectId: string): Promise<TraceFacets> {
  const db = dbFor(env, projectId);
  const recentTraces = `SELECT * FROM traces WHERE project_id = ?1 ORDER BY start_time DESC LIMIT ${FACET_SAMPLE_TRACES}`;
  const column = (col: string) => db.prepare(`SELECT DISTINCT ${col} AS v FROM (${recentTraces}) WHERE ${col} IS NOT NULL ORDER BY v LIMIT ${FACET_LIMIT}`).bind(projectId);
  const [tags, metaKeys, envs, releases, names, models] = await db.batch<{ v: string }>([
    db.prepare(`SELECT DISTINCT j.value AS v FROM (${recentTraces}) t, json_each(t.tags) j ORDER BY v LIMIT ${FACET_LIMIT}`).bind(projectId),
    db.prepare(`SELECT DISTINCT j.key AS v FROM (${recentTraces}) t, json_each(t.metadata) j ORDER BY v LIMIT ${FACET_LIMIT}`).bind(projectId),
    column('environment'),
    column('release'),
    column('name'),
    db
      .prepare(
        `SELECT DISTINCT model AS v FROM (SELECT model FROM spans WHERE project_id = ?1 ORDER BY start_time DESC LIMIT ${FACET_SAMPLE_TRACES * 5})
          WHERE model IS NOT NULL ORDER BY v LIMIT ${FACET_LIMIT}`,
      )
      .bind(projectId),
  ]);
  const values = (r: D1Result<{ v: string }>) => r.results.map((x) => String(x.v));
  return {
    tags: values(tags),
    metadata_keys: values(metaKeys),
    feedback_keys: (await feedbackKeys(env, projectId)).map((k) => k.key).slice(0, FACET_LIMIT),
    environments: values(envs),
    releases: values(releases),
    models: values(models),
    names: values(names),
  };
}
