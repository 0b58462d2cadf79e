/**
 * Loupe datasets and examples in LangSmith's wire shapes, and LangSmith's example fields
 * back to Loupe's. The LangSmith SDKs read a dataset's `example_count` and `tenant_id`, an
 * example's `modified_at` (evaluate() pins the dataset version it ran on from it) and its
 * split as `metadata.dataset_split`; Loupe keeps splits in their own column, so the split is
 * moved between the two on the way in and out.
 */
import { ApiError } from '../platform/errors.ts';
import type { Example, ExampleWrite } from '../../schema/wire/datasets.ts';
import type { Dataset } from './examples.ts';
import { resolveVersion } from './examples.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const iso = (ms: number) => new Date(ms).toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A dataset as LangSmith's `Dataset` (tenant: the Loupe project the key belongs to). */
export function langsmithDataset(d: Dataset, projectId: string, exampleCount: number) {
  return {
    id: d.id,
    name: d.name,
    description: d.description || null,
    data_type: 'kv',
    inputs_schema_definition: d.inputsSchema,
    outputs_schema_definition: d.outputsSchema,
    created_at: iso(d.createdAt),
    modified_at: iso(d.modifiedAt),
    example_count: exampleCount,
    session_count: 0,
    last_session_start_time: null,
    tenant_id: projectId,
    metadata: null,
    externally_managed: false,
  };
}

/** An example as LangSmith's `Example`; the split goes back under `metadata.dataset_split`. */
export function langsmithExample(e: Example) {
  const metadata: Obj = { ...e.metadata };
  if (e.splits.length) metadata.dataset_split = e.splits;
  return {
    id: e.id,
    dataset_id: e.dataset_id,
    inputs: e.inputs,
    outputs: e.outputs ?? null,
    metadata,
    created_at: e.created_at,
    modified_at: e.modified_at,
    // LangSmith run ids are UUIDs (the Python SDK parses them); an OTel span id is not one.
    source_run_id: e.source?.span_id && UUID.test(e.source.span_id) ? e.source.span_id : null,
    attachment_urls: null,
    runs: [],
  };
}

/** LangSmith's `split`: one name or a list; absent keeps Loupe's default (`base`). */
function splitsOf(split: unknown, path: string): string[] | undefined {
  if (split === undefined || split === null) return undefined;
  const list = typeof split === 'string' ? [split] : split;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0)) throw new ApiError(400, 'invalid_request', `${path}: split must be a name or a list of names`, path);
  return list as string[];
}

/** The fields of one LangSmith example create (the main part, plus inputs and outputs parts) as a Loupe example write. */
export function exampleWriteOf(id: string, main: Obj, inputs: unknown, outputs: unknown, path: string): ExampleWrite {
  if (main.use_source_run_io || main.use_source_run_attachments) {
    throw new ApiError(400, 'invalid_request', `${path}.use_source_run_io: copying a run's inputs and outputs is not supported here; send them as parts (or add the trace with loupe datasets add --from-trace)`, `${path}.use_source_run_io`);
  }
  const metadata: Obj = isObj(main.metadata) ? { ...main.metadata } : {};
  // A split sent inside metadata (as the SDKs read it back) counts as the split too.
  const splits = splitsOf(main.split ?? metadata.dataset_split, `${path}.split`);
  delete metadata.dataset_split;
  return {
    id,
    inputs: (inputs ?? {}) as Obj,
    ...(outputs !== undefined && outputs !== null ? { outputs: outputs as Obj } : {}),
    metadata,
    ...(splits ? { splits } : {}),
    ...(typeof main.source_run_id === 'string' ? { source: { span_id: main.source_run_id } } : {}),
  };
}

/** The fields of one LangSmith example update as a Loupe example patch (only what was sent changes). */
export function examplePatchOf(main: Obj, inputs: unknown, outputs: unknown, path: string): Obj {
  const patch: Obj = {};
  if (inputs !== undefined) patch.inputs = inputs;
  if (outputs !== undefined) patch.outputs = outputs;
  if (isObj(main.metadata)) {
    const { dataset_split, ...rest } = main.metadata;
    patch.metadata = rest;
    if (main.split === undefined && dataset_split !== undefined) patch.splits = splitsOf(dataset_split, `${path}.metadata.dataset_split`);
  }
  const splits = splitsOf(main.split, `${path}.split`);
  if (splits) patch.splits = splits;
  return patch;
}

/** How far ahead of the Worker's clock a client's `as_of` may be and still mean "now". */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The version LangSmith's `as_of` names: an ISO time (the version current then), `latest`,
 * or a tag name (LangSmith accepts either in the same parameter).
 */
export async function versionAsOf(env: Env, projectId: string, datasetId: string, asOf: string | undefined): Promise<number> {
  if (!asOf || asOf === 'latest') return resolveVersion(env, projectId, datasetId, {});
  if (/^\d{4}-\d{2}-\d{2}/.test(asOf)) {
    // The SDKs send "now" from the client's clock (readDatasetVersion({asOf: new Date()})):
    // a few minutes ahead of the Worker's is clock skew, read as the latest version.
    const ms = Date.parse(asOf);
    if (ms > Date.now() && ms - Date.now() <= CLOCK_SKEW_MS) return resolveVersion(env, projectId, datasetId, {});
    return resolveVersion(env, projectId, datasetId, { asOf });
  }
  return resolveVersion(env, projectId, datasetId, { tag: asOf });
}
