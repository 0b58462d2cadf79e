/**
 * Where a new project goes: the least-full shard among SHARDS_FOR_NEW_PROJECTS (by bytes
 * used against capacity). A project never spans shards, so placement is the only balance
 * Loupe does by itself; the operator moves projects when a shard fills (docs/shards.md).
 */
import { placementShards, shardBinding, shardFill } from './db.ts';

/** The shard binding name a project created now should live on. */
export async function placeNewProject(env: Env): Promise<string> {
  let best: { name: string; fill: number } | null = null;
  for (const name of placementShards(env)) {
    if (!shardBinding(env, name)) continue; // listed but not bound here: never place on it
    const { bytes, capacity } = await shardFill(env, name, true);
    const fill = bytes / capacity;
    // Strictly less: on a tie the earlier shard in the list wins, so placement is predictable.
    if (!best || fill < best.fill) best = { name, fill };
  }
  return best?.name ?? 'DB';
}
