/**
 * Datasets and their versioned examples: the functions the REST routes, LangSmith routes
 * and experiments (see /work/notes contract) use. Every change set is one D1 batch (one
 * transaction): the new dataset_versions row (its primary key makes a concurrent writer of
 * the same version fail the whole batch), the closing of replaced revisions, the new
 * revisions and the dataset's latest_version.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import { dbFor } from '../platform/db.ts';
import { ApiError } from '../platform/errors.ts';
import { OPEN_VERSION } from '../../schema/db/datasets.ts';
import { ExamplePatch, ExampleWrite, type DatasetCreate, type Example } from '../../schema/wire/datasets.ts';

export interface Dataset {
  id: string;
  name: string;
  description: string;
  inputsSchema: Record<string, unknown> | null;
  outputsSchema: Record<string, unknown> | null;
  latestVersion: number;
  createdAt: number;
  modifiedAt: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const parse = (t: string | null) => (t == null ? null : JSON.parse(t));

function datasetOf(r: any): Dataset {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    inputsSchema: parse(r.inputs_schema),
    outputsSchema: parse(r.outputs_schema),
    latestVersion: r.latest_version,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
  };
}

export function datasetOut(d: Dataset) {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    inputs_schema: d.inputsSchema,
    outputs_schema: d.outputsSchema,
    latest_version: d.latestVersion,
    created_at: iso(d.createdAt),
    modified_at: iso(d.modifiedAt),
  };
}

function exampleOf(r: any): Example {
  return {
    id: r.example_id,
    dataset_id: r.dataset_id,
    inputs: JSON.parse(r.inputs),
    outputs: parse(r.outputs),
    criteria: r.criteria,
    expected_trajectory: parse(r.expected_trajectory),
    metadata: JSON.parse(r.metadata),
    tags: JSON.parse(r.tags),
    splits: JSON.parse(r.splits),
    source: parse(r.source),
    version: r.valid_from,
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
    archived: r.archived === 1,
    archive_reason: r.archive_reason,
  };
}

const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** @cfworker/json-schema does not check schemas themselves; catch the commonest mistake (a bad `type`) at any depth. */
function badType(schema: unknown, at: string): string | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as Record<string, unknown>;
  if ('type' in s && !(Array.isArray(s.type) ? s.type : [s.type]).every((t) => typeof t === 'string' && TYPES.has(t))) return `${at || '(root)'} type must be one of ${[...TYPES].join(', ')}`;
  for (const [k, v] of Object.entries(s)) {
    const sub = k === 'properties' && v && typeof v === 'object' ? Object.entries(v).map(([n, x]) => badType(x, `${at}properties.${n}.`)).find(Boolean) : typeof v === 'object' ? badType(v, `${at}${k}.`) : null;
    if (sub) return sub;
  }
  return null;
}

function validator(schema: Record<string, unknown>, field: string): Validator {
  const bad = badType(schema, '');
  if (bad) throw new ApiError(400, 'invalid_request', `${field}: not a usable JSON Schema (${bad})`, field);
  try {
    return new Validator(schema as Schema, '2020-12', false);
  } catch (err) {
    throw new ApiError(400, 'invalid_request', `${field}: not a usable JSON Schema (${(err as Error).message})`, field);
  }
}

/** Validates `value` against a dataset schema; the 400 names the failing location and why. */
function validateAgainst(schema: Record<string, unknown> | null, value: unknown, field: string) {
  if (!schema) return;
  const result = validator(schema, field).validate(value);
  if (result.valid) return;
  const leaf = result.errors.filter((e) => e.keyword !== 'properties' && e.keyword !== 'items' && e.keyword !== 'allOf')[0] ?? result.errors[0];
  const loc = leaf.instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean).join('.');
  const path = loc ? `${field}.${loc}` : field;
  throw new ApiError(400, 'schema_violation', `${path}: ${leaf.error}`, path);
}

export async function createDataset(env: Env, projectId: string, body: DatasetCreate): Promise<Dataset> {
  if (body.inputs_schema) validator(body.inputs_schema, 'inputs_schema');
  if (body.outputs_schema) validator(body.outputs_schema, 'outputs_schema');
  const now = Date.now();
  const id = crypto.randomUUID();
  try {
    await dbFor(env, projectId)
      .prepare('INSERT INTO datasets (project_id, id, name, description, inputs_schema, outputs_schema, latest_version, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)')
      .bind(projectId, id, body.name, body.description ?? '', body.inputs_schema ? JSON.stringify(body.inputs_schema) : null, body.outputs_schema ? JSON.stringify(body.outputs_schema) : null, now, now)
      .run();
  } catch (err) {
    if (String(err).includes('UNIQUE')) throw new ApiError(409, 'conflict', `name: a dataset named '${body.name}' already exists in this project`, 'name');
    throw err;
  }
  return (await findDataset(env, projectId, id))!;
}

export async function listDatasets(env: Env, projectId: string): Promise<Dataset[]> {
  const { results } = await dbFor(env, projectId).prepare('SELECT * FROM datasets WHERE project_id = ? ORDER BY name').bind(projectId).all();
  return results.map(datasetOf);
}

/** A dataset by id or by name, in this project only. */
export async function findDataset(env: Env, projectId: string, nameOrId: string): Promise<Dataset | null> {
  const r = await dbFor(env, projectId).prepare('SELECT * FROM datasets WHERE project_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1').bind(projectId, nameOrId, nameOrId, nameOrId).first();
  return r ? datasetOf(r) : null;
}

export async function mustFindDataset(env: Env, projectId: string, nameOrId: string): Promise<Dataset> {
  const d = await findDataset(env, projectId, nameOrId);
  if (!d) throw new ApiError(404, 'not_found', `dataset '${nameOrId}' not found`);
  return d;
}

/** The version a read means: an explicit version, the version current at `asOf`, a tag's version, or the latest. */
export async function resolveVersion(env: Env, projectId: string, datasetId: string, at: { version?: number; asOf?: string; tag?: string }, known?: Dataset): Promise<number> {
  const db = dbFor(env, projectId);
  // A caller that just read the dataset passes it: one D1 round trip less on every page read.
  const d = known && known.id === datasetId ? { latest_version: known.latestVersion } : await db.prepare('SELECT latest_version FROM datasets WHERE project_id = ? AND id = ?').bind(projectId, datasetId).first<{ latest_version: number }>();
  if (!d) throw new ApiError(404, 'not_found', 'dataset not found');
  if (at.version != null) {
    if (at.version > d.latest_version || at.version < 0) throw new ApiError(404, 'not_found', `version: version ${at.version} not found (latest is ${d.latest_version})`, 'version');
    return at.version;
  }
  if (at.tag != null) {
    const t = await db.prepare('SELECT version FROM dataset_tags WHERE project_id = ? AND dataset_id = ? AND tag = ?').bind(projectId, datasetId, at.tag).first<{ version: number }>();
    if (!t) throw new ApiError(404, 'not_found', `tag: tag '${at.tag}' not found`, 'tag');
    return t.version;
  }
  if (at.asOf != null) {
    const ms = Date.parse(at.asOf);
    if (Number.isNaN(ms)) throw new ApiError(400, 'invalid_request', 'as_of: not an ISO time', 'as_of');
    if (ms > Date.now()) throw new ApiError(400, 'invalid_request', 'as_of: in the future', 'as_of');
    const v = await db.prepare('SELECT MAX(version) AS v FROM dataset_versions WHERE project_id = ? AND dataset_id = ? AND created_at <= ?').bind(projectId, datasetId, ms).first<{ v: number | null }>();
    return v?.v ?? 0;
  }
  return d.latest_version;
}

export interface ListOptions {
  version: number;
  splits?: string[];
  /** Substring searched in inputs/outputs/metadata JSON. */
  filter?: string;
  includeArchived?: boolean;
  cursor?: string | null;
  /** Rows to skip after the cursor (LangSmith pages by offset). */
  offset?: number;
  /** Examples whose metadata has every one of these keys with these values (LangSmith's `metadata` filter). */
  metadata?: Record<string, unknown>;
  limit?: number;
}

/** A page of examples as they were at `version`, ordered by id; `next` is the cursor of the next page. */
export async function listExamples(env: Env, projectId: string, datasetId: string, opts: ListOptions): Promise<{ examples: Example[]; next: string | null }> {
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  const where = ['project_id = ?', 'dataset_id = ?', 'valid_from <= ?', 'valid_to > ?'];
  const binds: unknown[] = [projectId, datasetId, opts.version, opts.version];
  if (!opts.includeArchived) where.push('archived = 0');
  if (opts.cursor) {
    where.push('example_id > ?');
    binds.push(opts.cursor);
  }
  if (opts.splits?.length) {
    where.push(`EXISTS (SELECT 1 FROM json_each(splits) WHERE value IN (${opts.splits.map(() => '?').join(', ')}))`);
    binds.push(...opts.splits);
  }
  if (opts.metadata && Object.keys(opts.metadata).length) {
    // One JSON parameter whatever the number of keys (D1: 100 bound parameters per statement).
    where.push(`NOT EXISTS (SELECT 1 FROM json_each(?) m WHERE json_extract(metadata, '$."' || m.key || '"') IS NOT m.value)`);
    binds.push(JSON.stringify(opts.metadata));
  }
  if (opts.filter) {
    where.push("(instr(lower(inputs), lower(?)) > 0 OR instr(lower(coalesce(outputs, '')), lower(?)) > 0 OR instr(lower(metadata), lower(?)) > 0)");
    binds.push(opts.filter, opts.filter, opts.filter);
  }
  const { results } = await dbFor(env, projectId)
    .prepare(`SELECT * FROM dataset_example_revisions WHERE ${where.join(' AND ')} ORDER BY example_id LIMIT ? OFFSET ?`)
    .bind(...binds, limit + 1, Math.max(opts.offset ?? 0, 0))
    .all();
  const page = results.slice(0, limit).map(exampleOf);
  return { examples: page, next: results.length > limit ? page[page.length - 1].id : null };
}

/** One example as it was at `version` (default latest); archived ones too. */
export async function getExample(env: Env, projectId: string, datasetId: string, exampleId: string, version?: number): Promise<Example | null> {
  const v = version ?? OPEN_VERSION - 1;
  const r = await dbFor(env, projectId)
    .prepare('SELECT * FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND example_id = ? AND valid_from <= ? AND valid_to > ?')
    .bind(projectId, datasetId, exampleId, v, v)
    .first();
  return r ? exampleOf(r) : null;
}

/** One example by its id alone (LangSmith reads examples without their dataset). */
export async function getExampleById(env: Env, projectId: string, exampleId: string, version?: number): Promise<Example | null> {
  const v = version ?? OPEN_VERSION - 1;
  const r = await dbFor(env, projectId)
    .prepare('SELECT * FROM dataset_example_revisions WHERE project_id = ? AND example_id = ? AND valid_from <= ? AND valid_to > ? LIMIT 1')
    .bind(projectId, exampleId, v, v)
    .first();
  return r ? exampleOf(r) : null;
}

/** The stored content of an example (what a write sets; everything but ids, version and times). */
export type ExampleState = Omit<Example, 'id' | 'dataset_id' | 'version' | 'created_at' | 'modified_at'>;

/** One change of a change set: a full new state of an example (`prev`: its current state, if any). */
interface Change {
  exampleId: string;
  state: ExampleState;
  prev: Example | null;
}

// D1: 100 bound parameters per statement and 2 MB per value, so a change set's rows go in
// as JSON chunks of at most this many UTF-16 characters (<= 1.8 MB of UTF-8; one statement
// per chunk; the whole set is still one batch, so one transaction).
const CHUNK_CHARS = 600_000;

function chunkByChars<T>(items: T[], size: (t: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let chars = 0;
  for (const it of items) {
    const n = size(it);
    if (cur.length && chars + n > CHUNK_CHARS) {
      out.push(cur);
      cur = [];
      chars = 0;
    }
    cur.push(it);
    chars += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

const jsonOrNull = (v: unknown) => (v == null ? null : JSON.stringify(v));

/** Writes a change set as one new version; returns it. Nothing is written when `changes` is empty. */
async function commit(env: Env, projectId: string, d: Dataset, changes: Change[], message: string): Promise<number> {
  if (!changes.length) return d.latestVersion;
  const db = dbFor(env, projectId);
  const v = d.latestVersion + 1;
  const now = Date.now();
  const stmts: D1PreparedStatement[] = [
    db.prepare('INSERT INTO dataset_versions (project_id, dataset_id, version, message, changes, created_at) VALUES (?, ?, ?, ?, ?, ?)').bind(projectId, d.id, v, message.slice(0, 500), changes.length, now),
  ];
  // Close the replaced revisions first: the new ones are inserted open and must not be closed with them.
  const replaced = changes.filter((c) => c.prev).map((c) => c.exampleId);
  for (let i = 0; i < replaced.length; i += 2000) {
    stmts.push(
      db
        .prepare('UPDATE dataset_example_revisions SET valid_to = ?1 WHERE project_id = ?2 AND dataset_id = ?3 AND valid_to = ?4 AND example_id IN (SELECT value FROM json_each(?5))')
        .bind(v, projectId, d.id, OPEN_VERSION, JSON.stringify(replaced.slice(i, i + 2000))),
    );
  }
  const rows = changes.map((c) => {
    const s = c.state;
    return [
      c.exampleId,
      JSON.stringify(s.inputs),
      jsonOrNull(s.outputs),
      s.criteria ?? null,
      jsonOrNull(s.expected_trajectory),
      JSON.stringify(s.metadata ?? {}),
      JSON.stringify(s.tags ?? []),
      JSON.stringify(s.splits ?? []),
      jsonOrNull(s.source),
      s.archived ? 1 : 0,
      s.archive_reason ?? null,
      c.prev ? Date.parse(c.prev.created_at) : now,
    ];
  });
  const insert = db.prepare(
    `INSERT INTO dataset_example_revisions (project_id, dataset_id, example_id, valid_from, valid_to, inputs, outputs, criteria, expected_trajectory, metadata, tags, splits, source, archived, archive_reason, created_at, modified_at)
     SELECT ?1, ?2, j.value ->> 0, ?3, ?4, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11, ?5
     FROM json_each(?6) j`,
  );
  for (const chunk of chunkByChars(rows, (r) => JSON.stringify(r).length)) stmts.push(insert.bind(projectId, d.id, v, OPEN_VERSION, now, JSON.stringify(chunk)));
  stmts.push(db.prepare('UPDATE datasets SET latest_version = ?, modified_at = ? WHERE project_id = ? AND id = ?').bind(v, now, projectId, d.id));
  try {
    await db.batch(stmts);
  } catch (err) {
    if (String(err).includes('UNIQUE') || String(err).includes('PRIMARY KEY')) throw new ApiError(409, 'conflict', 'the dataset changed while writing; retry');
    throw err;
  }
  return v;
}

/** The current revisions (archived too) of these example ids, read in chunks. */
async function currentExamples(env: Env, projectId: string, datasetId: string, ids: string[]): Promise<Map<string, Example>> {
  const out = new Map<string, Example>();
  const db = dbFor(env, projectId);
  for (let i = 0; i < ids.length; i += 500) {
    const { results } = await db
      .prepare('SELECT * FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_to = ? AND example_id IN (SELECT value FROM json_each(?))')
      .bind(projectId, datasetId, OPEN_VERSION, JSON.stringify(ids.slice(i, i + 500)))
      .all();
    for (const r of results) out.set((r as any).example_id, exampleOf(r));
  }
  return out;
}

function checkSchemas(d: Dataset, s: { inputs: unknown; outputs?: unknown }, prefix: string) {
  validateAgainst(d.inputsSchema, s.inputs, `${prefix}inputs`);
  if (s.outputs != null) validateAgainst(d.outputsSchema, s.outputs, `${prefix}outputs`);
}

/** The largest example (as JSON): one revision row, and D1 rows are at most 2 MB. */
export const MAX_EXAMPLE_CHARS = 500_000;

/**
 * One example write checked (wire shape, then the dataset's JSON Schemas): its id (given,
 * or a new uuid) and the state it sets. `prefix` starts the error path (`examples[3].`).
 */
export function checkExampleWrite(d: Dataset, raw: unknown, prefix: string): { id: string; given: boolean; state: ExampleState } {
  const parsed = ExampleWrite.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = `${prefix.replace(/\.$/, '')}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`.replace(/^\./, '');
    throw new ApiError(400, 'invalid_request', `${path}: ${issue.message}`, path);
  }
  const w = parsed.data;
  checkSchemas(d, w, prefix);
  const size = JSON.stringify(w).length;
  if (size > MAX_EXAMPLE_CHARS) {
    const field = (['inputs', 'outputs', 'criteria', 'expected_trajectory', 'metadata'] as const).reduce((a, b) => (JSON.stringify(w[b] ?? null).length > JSON.stringify(w[a] ?? null).length ? b : a));
    const path = `${prefix}${field}`;
    throw new ApiError(400, 'invalid_request', `${path}: the example is ${size} characters of JSON; at most ${MAX_EXAMPLE_CHARS} (D1 rows are at most 2 MB)`, path);
  }
  return {
    id: w.id ?? crypto.randomUUID(),
    given: w.id != null,
    state: { inputs: w.inputs, outputs: w.outputs ?? null, criteria: w.criteria ?? null, expected_trajectory: w.expected_trajectory ?? null, metadata: w.metadata, tags: w.tags, splits: w.splits, source: w.source ?? null, archived: false, archive_reason: null },
  };
}

/** JSON with object keys sorted, so two states compare equal whatever order their keys came in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const contentOf = (s: ExampleState) => canonical({ ...s, archive_reason: null });
const stateOf = ({ id: _i, dataset_id: _d, version: _v, created_at: _c, modified_at: _m, ...s }: Example): ExampleState => s;

/**
 * What to do when a write names an example id that exists:
 * - `conflict` (the API's default): the same content is a no-op (a retried write adds no
 *   version); different content is a 409 naming the id, since edits go through PATCH;
 * - `skip`: leave the existing example as it is, even archived (a rule or a filter never
 *   adds the same trace twice, nor brings back one a user archived);
 * - `replace`: write the new state (an upsert, for callers that own the example, e.g. a
 *   review correction updating the example it made).
 */
export type OnExisting = 'conflict' | 'skip' | 'replace';

/** A checked write with where it came from (its index in the request, or its import line), for error paths. */
export interface ExampleWriteChecked {
  id: string;
  state: ExampleState;
  /** Error path prefix for this write, e.g. `examples[2].` or `line 7: `. */
  at: string;
}

/**
 * Applies checked writes as one version. Returns the version, the resulting examples
 * (unchanged ones as they are) and, with `collectConflicts`, the writes refused as
 * conflicts instead of throwing on the first.
 */
export async function applyWrites(
  env: Env,
  projectId: string,
  d: Dataset,
  writes: ExampleWriteChecked[],
  opts: { onExisting?: OnExisting; message: string; collectConflicts?: boolean },
): Promise<{ version: number; written: string[]; unchanged: string[]; conflicts: { write: ExampleWriteChecked; reason: string }[] }> {
  const onExisting = opts.onExisting ?? 'conflict';
  const prevs = await currentExamples(env, projectId, d.id, writes.map((w) => w.id));
  const changes: Change[] = [];
  const unchanged: string[] = [];
  const conflicts: { write: ExampleWriteChecked; reason: string }[] = [];
  for (const w of writes) {
    const prev = prevs.get(w.id) ?? null;
    if (prev && onExisting === 'skip') unchanged.push(w.id);
    else if (prev && onExisting === 'conflict' && contentOf(stateOf(prev)) === contentOf(w.state)) unchanged.push(w.id);
    else if (prev && onExisting === 'conflict') {
      const reason = `example '${w.id}' already exists with different content${prev.archived ? ' (archived)' : ''}; edit it with PATCH /v1/datasets/{dataset}/examples/${w.id}`;
      if (!opts.collectConflicts) throw new ApiError(409, 'conflict', `${w.at}id: ${reason}`, `${w.at.replace(/\.$/, '')}.id`.replace(/^\./, ''), { example_id: w.id });
      conflicts.push({ write: w, reason });
    } else changes.push({ exampleId: w.id, prev, state: w.state });
  }
  const version = await commit(env, projectId, d, changes, opts.message);
  return { version, written: changes.map((c) => c.exampleId), unchanged, conflicts };
}

/**
 * Adds examples as one version. Every example is checked first (wire shape, then the
 * dataset's JSON Schemas): one bad example rejects the whole set, naming
 * `examples[i].<field>`. An id that exists is handled as `onExisting` says (default: the
 * same content is a no-op, different content a 409).
 */
export async function addExamples(env: Env, projectId: string, datasetId: string, raw: unknown[], message?: string, opts: { onExisting?: OnExisting } = {}): Promise<{ version: number; examples: Example[] }> {
  const d = await mustFindDataset(env, projectId, datasetId);
  const writes: ExampleWriteChecked[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const at = `examples[${i}].`;
    const w = checkExampleWrite(d, raw[i], at);
    if (seen.has(w.id)) throw new ApiError(400, 'invalid_request', `examples[${i}].id: repeated in this request`, `examples[${i}].id`);
    seen.add(w.id);
    writes.push({ id: w.id, state: w.state, at });
  }
  const changed = raw.length;
  const r = await applyWrites(env, projectId, d, writes, { onExisting: opts.onExisting, message: message ?? `added ${changed} example${changed === 1 ? '' : 's'}` });
  const now = await currentExamples(env, projectId, d.id, writes.map((w) => w.id));
  return { version: r.version, examples: writes.map((w) => now.get(w.id)!).filter(Boolean) };
}


/** Edits one example (fields not sent keep their values) as a new version. */
export async function updateExample(env: Env, projectId: string, datasetId: string, exampleId: string, raw: unknown): Promise<Example> {
  const d = await mustFindDataset(env, projectId, datasetId);
  const prev = await getExample(env, projectId, d.id, exampleId);
  if (!prev) throw new ApiError(404, 'not_found', `example '${exampleId}' not found`);
  const parsed = ExamplePatch.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join('.');
    throw new ApiError(400, 'invalid_request', `${path}: ${issue.message}`, path || undefined);
  }
  const p = parsed.data;
  const next = {
    inputs: p.inputs ?? prev.inputs,
    outputs: p.outputs !== undefined ? p.outputs : prev.outputs,
    criteria: p.criteria !== undefined ? p.criteria : prev.criteria,
    expected_trajectory: p.expected_trajectory !== undefined ? p.expected_trajectory : prev.expected_trajectory,
    metadata: p.metadata ?? prev.metadata,
    tags: p.tags ?? prev.tags,
    splits: p.splits ?? prev.splits,
    source: p.source !== undefined ? p.source : prev.source,
    archived: prev.archived,
    archive_reason: prev.archive_reason,
  };
  checkSchemas(d, next, '');
  // An edit that changes nothing (a retried PATCH) makes no version.
  if (contentOf(next) === contentOf(stateOf(prev))) return prev;
  await commit(env, projectId, d, [{ exampleId, prev, state: next }], `edited example ${exampleId}`);
  return (await getExample(env, projectId, d.id, exampleId))!;
}

/**
 * Archives an example (never deleted: older versions still read it). A `pinned` example is
 * a regression case, so archiving it needs an owner/admin and a reason, which is kept.
 */
export async function archiveExample(env: Env, projectId: string, datasetId: string, exampleId: string, opts: { reason?: string; canArchivePinned: boolean }): Promise<Example> {
  const d = await mustFindDataset(env, projectId, datasetId);
  const prev = await getExample(env, projectId, d.id, exampleId);
  if (!prev) throw new ApiError(404, 'not_found', `example '${exampleId}' not found`);
  if (prev.archived) return prev;
  if (prev.tags.includes('pinned')) {
    if (!opts.canArchivePinned) throw new ApiError(403, 'forbidden', 'this example is pinned (a regression case): only an owner or admin may archive it');
    if (!opts.reason?.trim()) throw new ApiError(400, 'invalid_request', 'reason: required to archive a pinned example', 'reason');
  }
  const { id: _id, dataset_id: _d, version: _v, created_at: _c, modified_at: _m, ...state } = prev;
  await commit(env, projectId, d, [{ exampleId, prev, state: { ...state, archived: true, archive_reason: opts.reason?.trim() || null } }], `archived example ${exampleId}`);
  return (await getExample(env, projectId, d.id, exampleId))!;
}

export async function listVersions(env: Env, projectId: string, datasetId: string) {
  const db = dbFor(env, projectId);
  const [versions, tags] = await db.batch([
    db.prepare('SELECT * FROM dataset_versions WHERE project_id = ? AND dataset_id = ? ORDER BY version DESC LIMIT 1000').bind(projectId, datasetId),
    db.prepare('SELECT tag, version FROM dataset_tags WHERE project_id = ? AND dataset_id = ?').bind(projectId, datasetId),
  ]);
  const byVersion = new Map<number, string[]>();
  for (const t of tags.results as any[]) byVersion.set(t.version, [...(byVersion.get(t.version) ?? []), t.tag]);
  return (versions.results as any[]).map((r) => ({ version: r.version, message: r.message, changes: r.changes, created_at: iso(r.created_at), tags: byVersion.get(r.version) ?? [] }));
}

/** Points `tag` at `version` (moving it if it exists). */
export async function setTag(env: Env, projectId: string, datasetId: string, tag: string, version: number) {
  await resolveVersion(env, projectId, datasetId, { version });
  await dbFor(env, projectId)
    .prepare('INSERT INTO dataset_tags (project_id, dataset_id, tag, version, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, dataset_id, tag) DO UPDATE SET version = excluded.version')
    .bind(projectId, datasetId, tag, version, Date.now())
    .run();
}

/** What changed between two versions: examples added, archived (removed) and modified. */
export async function diffVersions(env: Env, projectId: string, datasetId: string, from: number, to: number) {
  const db = dbFor(env, projectId);
  const [lo, hi] = from <= to ? [from, to] : [to, from];
  const { results } = await db
    .prepare('SELECT DISTINCT example_id FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_from > ? AND valid_from <= ? LIMIT 10001')
    .bind(projectId, datasetId, lo, hi)
    .all<{ example_id: string }>();
  if (results.length > 10000) throw new ApiError(400, 'invalid_request', 'more than 10000 examples changed between these versions; diff closer versions', 'to');
  const added = [] as Example[];
  const removed = [] as Example[];
  const modified = [] as { before: Example; after: Example }[];
  for (const { example_id } of results) {
    const a = await getExample(env, projectId, datasetId, example_id, from);
    const b = await getExample(env, projectId, datasetId, example_id, to);
    const aLive = a && !a.archived ? a : null;
    const bLive = b && !b.archived ? b : null;
    if (!aLive && bLive) added.push(bLive);
    else if (aLive && !bLive) removed.push(aLive);
    else if (aLive && bLive) modified.push({ before: aLive, after: bLive });
  }
  return { from, to, added, removed, modified };
}

/** How many live (not archived) examples a version holds. */
export async function countExamples(env: Env, projectId: string, datasetId: string, version: number): Promise<number> {
  const r = await dbFor(env, projectId)
    .prepare('SELECT COUNT(*) AS n FROM dataset_example_revisions WHERE project_id = ? AND dataset_id = ? AND valid_from <= ? AND valid_to > ? AND archived = 0')
    .bind(projectId, datasetId, version, version)
    .first<{ n: number }>();
  return r?.n ?? 0;
}

/** The split names live examples carry at a version, sorted. */
export async function listSplits(env: Env, projectId: string, datasetId: string, version: number): Promise<string[]> {
  const { results } = await dbFor(env, projectId)
    .prepare('SELECT DISTINCT j.value AS split FROM dataset_example_revisions r, json_each(r.splits) j WHERE r.project_id = ? AND r.dataset_id = ? AND r.valid_from <= ? AND r.valid_to > ? AND r.archived = 0 ORDER BY 1')
    .bind(projectId, datasetId, version, version)
    .all<{ split: string }>();
  return results.map((r) => r.split);
}

/** The current state of these examples (archived too), in the order given; ids not in the dataset are left out. */
export async function listExamplesById(env: Env, projectId: string, datasetId: string, ids: string[]): Promise<Example[]> {
  const byId = await currentExamples(env, projectId, datasetId, ids);
  return ids.map((id) => byId.get(id)).filter((e): e is Example => !!e);
}
