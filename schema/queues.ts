/** Queue message shapes. Queue messages are <= 128 KB, so they carry pointers, not payloads. */

/** Queue "ingest": one durable R2 batch of normalized spans to index into D1. */
export interface IngestMessage {
  v: 1;
  project_id: string;
  /** R2 key of an NDJSON object of NormalizedSpan lines. */
  key: string;
}
