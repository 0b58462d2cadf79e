/**
 * Loads span inputs and outputs back from R2 by byte range. Refs into the same object
 * that lie close together are merged into one ranged GET, so a trace posted in a few
 * batches loads in a few reads however many spans it has.
 */
import { parseRef, type PayloadRef } from './batch-format.ts';
import type { NormalizedSpan } from '../../schema/wire/span.ts';

/** Two ranges closer than this are fetched as one (reading a gap is cheaper than a round trip). */
const MERGE_GAP_BYTES = 256 * 1024;
/** Ranged GETs in flight at once (Workers allow 6 simultaneous open connections). */
const PARALLEL_READS = 6;

const decoder = new TextDecoder();

/** Loads the NDJSON lines behind `refs`; returns ref string -> parsed span line. */
export function loadLines(bucket: R2Bucket, refs: Iterable<string>): Promise<Map<string, NormalizedSpan>> {
  return readLines(bucket, refs, (text) => JSON.parse(text) as NormalizedSpan);
}

/**
 * Loads the NDJSON lines behind `refs` as text, unparsed (ref -> line), for callers that
 * copy payload JSON into a response without parsing and re-serializing it.
 */
export function loadLineTexts(bucket: R2Bucket, refs: Iterable<string>): Promise<Map<string, string>> {
  return readLines(bucket, refs, (text) => text);
}

async function readLines<T>(bucket: R2Bucket, refs: Iterable<string>, decode: (line: string) => T): Promise<Map<string, T>> {
  const byKey = new Map<string, { ref: string; r: PayloadRef }[]>();
  for (const ref of new Set(refs)) {
    const r = parseRef(ref);
    if (!r) continue;
    let list = byKey.get(r.key);
    if (!list) byKey.set(r.key, (list = []));
    list.push({ ref, r });
  }
  const reads: { key: string; offset: number; end: number; items: { ref: string; r: PayloadRef }[] }[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.r.offset - b.r.offset);
    let cur: (typeof reads)[number] | null = null;
    for (const item of list) {
      if (cur && item.r.offset - cur.end <= MERGE_GAP_BYTES) {
        cur.end = Math.max(cur.end, item.r.offset + item.r.length);
        cur.items.push(item);
      } else {
        cur = { key, offset: item.r.offset, end: item.r.offset + item.r.length, items: [item] };
        reads.push(cur);
      }
    }
  }
  const out = new Map<string, T>();
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const read = reads[next++];
      const object = await bucket.get(read.key, { range: { offset: read.offset, length: read.end - read.offset } });
      if (!object) continue; // The batch object was deleted (retention); payloads show as absent.
      const bytes = new Uint8Array(await object.arrayBuffer());
      for (const { ref, r } of read.items) {
        const start = r.offset - read.offset;
        out.set(ref, decode(decoder.decode(bytes.subarray(start, start + r.length))));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, reads.length) }, worker));
  return out;
}
