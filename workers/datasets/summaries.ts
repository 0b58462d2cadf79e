/**
 * What the datasets list shows beside each dataset: how many live examples it has at its
 * latest version and which tags point where. Two grouped reads for the whole project
 * (not one per dataset), so the list costs the same for 3 datasets or 300.
 */
import { dbFor } from '../platform/db.ts';
import { OPEN_VERSION } from '../../schema/db/datasets.ts';

export interface DatasetSummary {
  exampleCount: number;
  tags: { tag: string; version: number }[];
}

/** Live example counts (latest version, archived excluded) and tags, by dataset id. */
export async function datasetSummaries(env: Env, projectId: string): Promise<Map<string, DatasetSummary>> {
  const db = dbFor(env, projectId);
  const [counts, tags] = await db.batch([
    // The current revisions are the ones still open (valid_to = OPEN_VERSION): an index range per dataset.
    db.prepare('SELECT dataset_id, COUNT(*) AS n FROM dataset_example_revisions WHERE project_id = ? AND valid_to = ? AND archived = 0 GROUP BY dataset_id').bind(projectId, OPEN_VERSION),
    db.prepare('SELECT dataset_id, tag, version FROM dataset_tags WHERE project_id = ? ORDER BY version DESC, tag').bind(projectId),
  ]);
  const out = new Map<string, DatasetSummary>();
  const of = (id: string) => out.get(id) ?? out.set(id, { exampleCount: 0, tags: [] }).get(id)!;
  for (const r of counts.results as { dataset_id: string; n: number }[]) of(r.dataset_id).exampleCount = r.n;
  for (const r of tags.results as { dataset_id: string; tag: string; version: number }[]) of(r.dataset_id).tags.push({ tag: r.tag, version: r.version });
  return out;
}
