/**
 * What each D1 shard holds: its projects, its size against its capacity, and whether new
 * projects are placed on it (`npm run shards -- list | capacity`).
 */
import { controlDb, placementShards, shardBinding, shardFill, shardNames } from '../platform/db.ts';

/** One shard as the operator sees it. */
export interface ShardReport {
  name: string;
  /** This deployment has a D1 binding by that name. */
  bound: boolean;
  /** New projects may be placed here (SHARDS_FOR_NEW_PROJECTS). */
  placement: boolean;
  projects: number;
  moving: number;
  bytes: number | null;
  capacity: number | null;
  /** bytes / capacity, 0..1 (over 1: full, writes answer 507). */
  fill: number | null;
}

/** Every configured shard, plus any a project names that is not configured. */
export async function shardReports(env: Env): Promise<ShardReport[]> {
  const { results } = await controlDb(env)
    .prepare("SELECT shard, count(*) AS projects, sum(shard_state = 'moving') AS moving FROM projects GROUP BY shard")
    .all<{ shard: string; projects: number; moving: number }>();
  const byShard = new Map(results.map((r) => [r.shard, r]));
  const names = [...new Set([...shardNames(env), ...byShard.keys()])];
  const placement = new Set(placementShards(env));
  const out: ShardReport[] = [];
  for (const name of names) {
    const bound = shardNames(env).includes(name) && !!shardBinding(env, name);
    const fill = bound ? await shardFill(env, name, true) : null;
    out.push({
      name,
      bound,
      placement: bound && placement.has(name),
      projects: byShard.get(name)?.projects ?? 0,
      moving: byShard.get(name)?.moving ?? 0,
      bytes: fill?.bytes ?? null,
      capacity: fill?.capacity ?? null,
      fill: fill ? Math.round((fill.bytes / fill.capacity) * 1e6) / 1e6 : null,
    });
  }
  return out;
}
