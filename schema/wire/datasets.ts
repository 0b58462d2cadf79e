/**
 * Wire schemas for versioned datasets (/v1/datasets). Reference: docs/datasets.md.
 * Every change to a dataset's examples makes one new version; reads take a version, an
 * `as_of` time or a tag.
 */
import { z } from 'zod';

const Json = z.record(z.string(), z.unknown());

/** An expected tool call, as the tool_sequence check reads it (`{name, args}`). */
export const ExpectedToolCall = z.object({ name: z.string().min(1).max(200), args: z.unknown().optional() }).passthrough();
export type ExpectedToolCall = z.infer<typeof ExpectedToolCall>;

export const ExampleSource = z.object({
  trace_id: z.string().optional(),
  span_id: z.string().optional(),
  feedback_id: z.string().optional(),
  review_id: z.string().optional(),
  queue_id: z.string().optional(),
});

const Name = z.string().min(1).max(200).regex(/^[^\s/][^/]*$/, 'may not contain "/" or start with a space');

export const DatasetCreate = z.object({
  name: Name,
  description: z.string().max(4000).default(''),
  inputs_schema: Json.nullable().optional().meta({ description: 'JSON Schema every example\'s inputs must satisfy' }),
  outputs_schema: Json.nullable().optional().meta({ description: 'JSON Schema every example\'s outputs must satisfy' }),
});
export type DatasetCreate = z.infer<typeof DatasetCreate>;

export const DatasetOut = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  inputs_schema: Json.nullable(),
  outputs_schema: Json.nullable(),
  latest_version: z.number().int(),
  created_at: z.string(),
  modified_at: z.string(),
});
export type DatasetOut = z.infer<typeof DatasetOut>;

/** A row of GET /v1/datasets: the dataset, its live example count at the latest version and its tags. */
export const DatasetListItem = DatasetOut.extend({
  example_count: z.number().int(),
  tags: z.array(z.object({ tag: z.string(), version: z.number().int() })),
});
export type DatasetListItem = z.infer<typeof DatasetListItem>;

const Strings = z.array(z.string().min(1).max(200)).max(100);

export const ExampleWrite = z.object({
  id: z.uuid().optional().meta({ description: 'Client-chosen id (a uuid); writing the same id again is an edit' }),
  inputs: Json,
  outputs: Json.nullable().optional(),
  criteria: z.string().max(20000).nullable().optional(),
  expected_trajectory: z.array(ExpectedToolCall).max(500).nullable().optional(),
  metadata: Json.default({}),
  tags: Strings.default([]),
  splits: Strings.default(['base']),
  source: ExampleSource.nullable().optional(),
});
export type ExampleWrite = z.input<typeof ExampleWrite>;

export const ExamplePatch = ExampleWrite.omit({ id: true }).partial().extend({ inputs: Json.optional() });
export type ExamplePatch = z.input<typeof ExamplePatch>;

export const Example = z.object({
  id: z.string(),
  dataset_id: z.string(),
  inputs: Json,
  outputs: Json.nullable().optional(),
  criteria: z.string().nullable().optional(),
  expected_trajectory: z.array(ExpectedToolCall).nullable().optional(),
  metadata: Json,
  tags: z.array(z.string()),
  splits: z.array(z.string()),
  source: ExampleSource.nullable().optional(),
  version: z.number().int().meta({ description: 'The version this example was last changed at' }),
  created_at: z.string(),
  modified_at: z.string(),
  archived: z.boolean(),
  archive_reason: z.string().nullable().optional(),
});
export type Example = z.infer<typeof Example>;

export const VersionOut = z.object({ version: z.number().int(), message: z.string(), changes: z.number().int(), created_at: z.string(), tags: z.array(z.string()) });

export const VersionQuery = z.object({
  version: z.coerce.number().int().min(0).optional(),
  as_of: z.string().optional().meta({ description: 'ISO time: the version current then' }),
  tag: z.string().min(1).max(200).optional(),
});

export const ExampleDiff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  added: z.array(Example),
  removed: z.array(Example),
  modified: z.array(z.object({ before: Example, after: Example })),
});
