/**
 * The one place code reaches D1. Projects are spread over D1 shards (D1 caps a database at
 * 10 GB): `DB` is the control database (tenancy, the project -> shard map, the ingest
 * ledger) and also the first shard; `DB_SHARD_1`, ... hold the other projects. Every shard
 * has the full schema, so one migration set serves all. See docs/shards.md.
 *
 * `dbFor` stays synchronous (hundreds of call sites build statements before awaiting
 * anything): it returns a routed database that looks up the project's shard only when a
 * statement runs, from a per-isolate cache of `projects.shard` refreshed every
 * SHARD_MAP_TTL_MS. A move (workers/store/shard-move.ts) waits twice that long after each
 * change of the map, so by then no isolate routes by the old entry.
 */
import { ApiError } from './errors.ts';

/** The binding name of the control database (also the first shard). */
export const CONTROL_SHARD = 'DB';

/** A project's place: its shard and whether a move is under way. */
export interface ProjectRoute {
  shard: string;
  state: 'active' | 'moving';
}

/** The project names a shard no binding provides (a misconfigured SHARDS list or a deleted binding). */
export class ProjectNotRoutedError extends ApiError {
  constructor(
    readonly projectId: string,
    readonly shard: string,
  ) {
    super(500, 'project_not_routed', `project ${projectId} lives on shard ${shard}, which this deployment does not bind (check SHARDS and the d1_databases in wrangler.toml)`);
  }
}

/** Writes wait while the project is being moved to another shard; reads keep working. */
export class ProjectMovingError extends ApiError {
  constructor(
    readonly projectId: string,
    readonly retryAfterSeconds = 30,
  ) {
    super(503, 'project_moving', `project ${projectId} is being moved to another database; writes resume when the move ends (retry after ${retryAfterSeconds} s)`, undefined, undefined, {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

/** The shard is past its capacity: writes of its projects are refused until a project moves away. */
export class ShardFullError extends ApiError {
  constructor(
    readonly shard: string,
    bytes: number,
    capacity: number,
  ) {
    super(
      507,
      'shard_full',
      `database shard ${shard} is full (${bytes} of ${capacity} bytes): move this project to another shard (npm run shards -- move <project> <shard>) or shorten its retention`,
      undefined,
      { shard },
    );
  }
}

const DEFAULT_TTL_MS = 5_000;
/** D1 caps a database at 10 GB; refuse writes a little before, so deletes and moves still fit. */
const DEFAULT_CAPACITY_BYTES = 9e9;

/** How long an isolate trusts a cached route or shard size (SHARD_MAP_TTL_MS). */
export function shardMapTtlMs(env: Env): number {
  const n = Number((env as { SHARD_MAP_TTL_MS?: string }).SHARD_MAP_TTL_MS);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_TTL_MS;
}

function list(value: string | undefined, fallback: string[]): string[] {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return names.length ? names : fallback;
}

/** Every shard binding holding projects (SHARDS), `DB` first. */
export function shardNames(env: Env): string[] {
  const names = list((env as { SHARDS?: string }).SHARDS, [CONTROL_SHARD]);
  return names.includes(CONTROL_SHARD) ? [CONTROL_SHARD, ...names.filter((n) => n !== CONTROL_SHARD)] : names;
}

/** The shards new projects may be placed on (SHARDS_FOR_NEW_PROJECTS, else SHARDS). */
export function placementShards(env: Env): string[] {
  return list((env as { SHARDS_FOR_NEW_PROJECTS?: string }).SHARDS_FOR_NEW_PROJECTS, shardNames(env));
}

/** The D1 binding named `shard`, or undefined when this deployment has none by that name. */
export function shardBinding(env: Env, shard: string): D1Database | undefined {
  const db = (env as unknown as Record<string, unknown>)[shard] as D1Database | undefined;
  return db && typeof db.prepare === 'function' ? db : undefined;
}

/** The database holding tenancy (orgs, users, projects, API keys, the shard map, the ingest ledger). */
export function controlDb(env: Env): D1Database {
  return env.DB;
}

/** Every database that holds projects: what a cross-project pass walks (the sweepers, re-encryption after a key rotation). */
export function projectDatabases(env: Env): D1Database[] {
  return shardNames(env).flatMap((name) => shardBinding(env, name) ?? []);
}

// Per-isolate caches. An isolate serves many requests; entries expire after the TTL, so a
// change of the map is seen everywhere within SHARD_MAP_TTL_MS.
const routes = new Map<string, { route: ProjectRoute; at: number }>();
const pendingRoutes = new Map<string, Promise<ProjectRoute>>();

/** Forgets cached routes and sizes (the move does it for its own isolate; tests too). */
export function forgetShardCache(projectId?: string): void {
  if (projectId) routes.delete(projectId);
  else routes.clear();
  shardSizes.clear();
}

/**
 * Where `projectId` lives, from the cache or the control database. A project the control
 * database does not know (a test's bare id, a project deleted meanwhile) lives on `DB`,
 * where every project lived before shards.
 */
export async function routeOf(env: Env, projectId: string): Promise<ProjectRoute> {
  const hit = routes.get(projectId);
  const now = Date.now();
  if (hit && now - hit.at < shardMapTtlMs(env)) return hit.route;
  const pending = pendingRoutes.get(projectId);
  if (pending) return pending;
  const lookup = controlDb(env)
    .prepare('SELECT shard, shard_state FROM projects WHERE id = ?')
    .bind(projectId)
    .first<{ shard: string; shard_state: 'active' | 'moving' }>()
    .then((row) => {
      const route: ProjectRoute = row ? { shard: row.shard, state: row.shard_state } : { shard: CONTROL_SHARD, state: 'active' };
      routes.set(projectId, { route, at: now });
      return route;
    })
    .finally(() => pendingRoutes.delete(projectId));
  pendingRoutes.set(projectId, lookup);
  return lookup;
}

const shardSizes = new Map<string, { bytes: number; capacity: number; at: number }>();

/**
 * The size of one shard in bytes. D1 reports the database size after every query
 * (`meta.size_after`); local D1 may not, so PRAGMA page_count * page_size is the fallback.
 */
export async function shardSizeBytes(db: D1Database): Promise<number> {
  const res = await db.prepare('SELECT 1').run();
  const after = (res.meta as { size_after?: number }).size_after;
  if (typeof after === 'number' && after > 0) return after;
  try {
    const pages = await db.prepare('PRAGMA page_count').first<{ page_count: number }>();
    const size = await db.prepare('PRAGMA page_size').first<{ page_size: number }>();
    return (pages?.page_count ?? 0) * (size?.page_size ?? 4096);
  } catch {
    return 0; // neither is available: treat as empty rather than refusing every write
  }
}

/** A shard's capacity: its `shards.capacity` row, else SHARD_CAPACITY_BYTES (9e9). */
async function capacities(env: Env): Promise<Map<string, number>> {
  const fallback = Number((env as { SHARD_CAPACITY_BYTES?: string }).SHARD_CAPACITY_BYTES);
  const base = Number.isFinite(fallback) && fallback > 0 ? fallback : DEFAULT_CAPACITY_BYTES;
  const { results } = await controlDb(env).prepare('SELECT name, capacity FROM shards').all<{ name: string; capacity: number | null }>();
  const out = new Map(shardNames(env).map((n) => [n, base]));
  for (const r of results) if (r.capacity !== null && r.capacity > 0) out.set(r.name, r.capacity);
  return out;
}

/** Size and capacity of `shard`, cached for the TTL (one cheap query per shard and isolate). */
export async function shardFill(env: Env, shard: string, fresh = false): Promise<{ bytes: number; capacity: number }> {
  const hit = shardSizes.get(shard);
  const now = Date.now();
  if (!fresh && hit && now - hit.at < shardMapTtlMs(env)) return hit;
  const db = shardBinding(env, shard);
  if (!db) throw new ProjectNotRoutedError('(any)', shard);
  const [bytes, caps] = await Promise.all([shardSizeBytes(db), capacities(env)]);
  const entry = { bytes, capacity: caps.get(shard) ?? DEFAULT_CAPACITY_BYTES, at: now };
  shardSizes.set(shard, entry);
  return entry;
}

/** Statements that change rows (a `WITH` may end in one): refused while moving or full. */
export function isWriteSql(sql: string): boolean {
  const s = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  if (/^(insert|update|delete|replace|create|drop|alter)\b/i.test(s)) return true;
  return /^with\b/i.test(s) && /\b(insert|update|delete|replace)\s/i.test(s);
}

/** The real database of `projectId`, checked for a write: moving -> 503, full shard -> 507. */
async function resolve(env: Env, projectId: string, write: boolean): Promise<D1Database> {
  const route = await routeOf(env, projectId);
  const db = shardBinding(env, route.shard);
  if (!db) throw new ProjectNotRoutedError(projectId, route.shard);
  if (write) {
    if (route.state === 'moving') throw new ProjectMovingError(projectId);
    const fill = await shardFill(env, route.shard);
    if (fill.bytes > fill.capacity) throw new ShardFullError(route.shard, fill.bytes, fill.capacity);
  }
  return db;
}

/** A statement of a routed database: SQL and values, prepared on the real shard when it runs. */
class RoutedStatement {
  constructor(
    readonly env: Env,
    readonly projectId: string,
    readonly sql: string,
    readonly values: unknown[] = [],
  ) {}

  bind(...values: unknown[]): RoutedStatement {
    return new RoutedStatement(this.env, this.projectId, this.sql, values);
  }

  /** The statement prepared on `db`. */
  on(db: D1Database): D1PreparedStatement {
    const stmt = db.prepare(this.sql);
    return this.values.length ? stmt.bind(...this.values) : stmt;
  }

  private async real(): Promise<D1PreparedStatement> {
    return this.on(await resolve(this.env, this.projectId, isWriteSql(this.sql)));
  }

  async first<T>(column?: string): Promise<T | null> {
    const stmt = await this.real();
    return column === undefined ? stmt.first<T>() : stmt.first<T>(column);
  }

  async run<T>(): Promise<D1Result<T>> {
    return (await this.real()).run<T>();
  }

  async all<T>(): Promise<D1Result<T>> {
    return (await this.real()).all<T>();
  }

  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const stmt = await this.real();
    return options?.columnNames ? stmt.raw<T>({ columnNames: true }) : stmt.raw<T>();
  }
}

/** The D1Database of one project: every statement goes to the project's shard. */
class RoutedDatabase {
  constructor(
    readonly env: Env,
    readonly projectId: string,
  ) {}

  prepare(sql: string): D1PreparedStatement {
    return new RoutedStatement(this.env, this.projectId, sql) as unknown as D1PreparedStatement;
  }

  /**
   * One D1 transaction on the project's shard. Statements may come from other routed
   * databases of projects on the same shard (a feedback write with extra statements);
   * a raw statement can only be the control database's own and goes through as is.
   */
  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const routed = statements.map((s) => (s instanceof RoutedStatement ? s : null));
    const write = routed.some((s) => s && isWriteSql(s.sql));
    const db = await resolve(this.env, this.projectId, write);
    for (const s of routed) {
      if (s && s.projectId !== this.projectId && (await resolve(this.env, s.projectId, write)) !== db) {
        throw new Error(`a D1 batch mixes projects ${this.projectId} and ${s.projectId}, which live on different shards`);
      }
    }
    return db.batch<T>(statements.map((s, i) => routed[i]?.on(db) ?? s));
  }

  async exec(sql: string): Promise<D1ExecResult> {
    return (await resolve(this.env, this.projectId, isWriteSql(sql))).exec(sql);
  }

  /** Sessions (read replicas) are not routed per shard yet: a session is this database itself. */
  withSession(): D1DatabaseSession {
    return { prepare: (sql: string) => this.prepare(sql), batch: (s: D1PreparedStatement[]) => this.batch(s), getBookmark: () => null } as unknown as D1DatabaseSession;
  }

  async dump(): Promise<ArrayBuffer> {
    throw new Error('dump() is not supported on a routed database');
  }
}

/**
 * The database holding a project's traces, spans and feedback: routed to its shard when a
 * statement runs. Writes throw ProjectMovingError (503) during a move and ShardFullError
 * (507) when its shard is past capacity.
 */
export function dbFor(env: Env, projectId: string): D1Database {
  return new RoutedDatabase(env, projectId) as unknown as D1Database;
}
