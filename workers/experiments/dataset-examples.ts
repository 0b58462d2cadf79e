/**
 * What experiments read from datasets, through the datasets room's contract functions
 * only: which examples a version holds (what a candidate must run; shared examples across
 * versions) and which are tagged `pinned` (regression cases the gate never lets regress).
 * An experiment whose dataset id is not a Loupe dataset (a runner's own id) has neither,
 * and is compared on the examples its runs name.
 */
import { findDataset, listExamples, resolveVersion } from '../datasets/examples.ts';
import type { DatasetExamples } from './comparisons.ts';
import { ApiError } from '../platform/errors.ts';

/** Every example of a version (paged by the contract's 1,000 per call). */
async function examplesOf(env: Env, projectId: string, datasetId: string, version: number) {
  const out: { id: string; tags: string[] }[] = [];
  let cursor: string | null = null;
  do {
    const page = await listExamples(env, projectId, datasetId, { version, cursor, limit: 1000 });
    for (const e of page.examples) out.push({ id: e.id, tags: e.tags });
    cursor = page.next;
  } while (cursor);
  return out;
}

/** The datasets view of one request, or undefined reads when the dataset is not a Loupe dataset. */
export function datasetExamples(env: Env): DatasetExamples {
  return {
    async exampleIds(projectId, datasetId, version) {
      if (!(await findDataset(env, projectId, datasetId))) return null;
      return (await examplesOf(env, projectId, datasetId, version)).map((e) => e.id);
    },
    async pinnedIds(projectId, datasetId, version) {
      if (!(await findDataset(env, projectId, datasetId))) return [];
      return (await examplesOf(env, projectId, datasetId, version)).filter((e) => e.tags.includes('pinned')).map((e) => e.id);
    },
    async tagVersion(projectId, datasetId, tag) {
      if (!(await findDataset(env, projectId, datasetId))) return null;
      try {
        return await resolveVersion(env, projectId, datasetId, { tag });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  };
}

/**
 * The dataset id and version an experiment pins: a Loupe dataset (by name or id) resolves
 * to its id and, without a version, its latest (404 for an unknown version); any other id
 * is kept as given, version 1 by default.
 */
export async function pinDatasetVersion(env: Env, projectId: string, nameOrId: string, version?: number): Promise<{ datasetId: string; version: number }> {
  const d = await findDataset(env, projectId, nameOrId);
  if (!d) return { datasetId: nameOrId, version: version ?? 1 };
  return { datasetId: d.id, version: await resolveVersion(env, projectId, d.id, version === undefined ? {} : { version }) };
}
