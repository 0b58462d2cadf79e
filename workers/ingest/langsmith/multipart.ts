/**
 * The body of POST /runs/multipart, as the LangSmith SDKs write it: one part per run
 * operation (`post.<id>`, `patch.<id>`, JSON), the run's large fields as separate parts
 * (`post.<id>.inputs|outputs|events|extra|error|serialized`), files as
 * `attachment.<id>.<name>` (any content type), and `feedback.<id>`. Split by
 * ./multipart-scan.ts, which keeps binary parts byte-exact (the runtime's `formData()`
 * decodes a part without a filename as text, and measured 3-5x slower than a streaming
 * parser on a 500-run batch of ~2,000 parts; the scanner is faster again, see there).
 */
import { scanMultipart, MultipartScanError, type ScannedPart } from './multipart-scan.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ItemError } from '../../../schema/wire/errors.ts';
import { RunError, runId, type RunOp } from './runs.ts';

/** Largest JSON part (a run, or one of its inputs/outputs/...): it is parsed in memory. */
export const MAX_RUN_PART_BYTES = 10 * 1024 * 1024;
/** Largest attachment part (stored as is in R2). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** A file sent with a run. */
export interface AttachmentPart {
  runId: string;
  name: string;
  contentType: string;
  bytes: Uint8Array;
  path: string;
}

/** The operations a multipart body carries, in the order their parts came. */
export interface RunBatch {
  ops: RunOp[];
  feedback: { body: unknown; path: string; index?: number }[];
  attachments: AttachmentPart[];
  /** Parts already known to be invalid runs (answered per item; the others are stored). */
  rejected?: ItemError[];
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A part's content. */
type PartContent = Uint8Array;

function jsonPart(name: string, content: PartContent): unknown {
  const size = content.byteLength;
  if (size > MAX_RUN_PART_BYTES) {
    throw new ApiError(413, 'part_too_large', `part '${name}' is ${size} bytes, over the limit of ${MAX_RUN_PART_BYTES} bytes for a run field; send large files as attachments`, name);
  }
  try {
    return JSON.parse(decoder.decode(content));
  } catch (err) {
    throw new ApiError(400, 'invalid_part', `part '${name}' is not valid UTF-8 JSON: ${(err as Error).message}`, name);
  }
}

/** Splits a multipart body into parts (contents are views of the body, not copies). */
function parts(body: Uint8Array, boundary: string): ScannedPart[] {
  try {
    return scanMultipart(body, boundary, { maxParts: 100_000, maxHeaderSize: 16 * 1024 });
  } catch (err) {
    if (err instanceof MultipartScanError) throw new ApiError(400, 'invalid_multipart', `the multipart body could not be parsed: ${err.message}`);
    throw err;
  }
}

/** The `boundary` parameter of a multipart Content-Type. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType.trim())) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : '';
}

/** Parses a whole (already size-checked, un-gzipped) multipart body into run operations. */
export function parseRunMultipart(body: Uint8Array, boundary: string): RunBatch {
  const mains = new Map<string, RunOp>();
  const fields: { key: string; field: string; value: unknown; name: string }[] = [];
  const feedback: RunBatch['feedback'] = [];
  const attachments: AttachmentPart[] = [];
  const seen = new Set<string>();
  const rejected: ItemError[] = [];
  const badRuns = new Set<string>();
  let index = -1;
  for (const part of parts(body, boundary)) {
    index++;
    const name = part.name;
    if (!name) throw new ApiError(400, 'invalid_part', 'every part needs a name (Content-Disposition: form-data; name="post.<run id>")');
    if (seen.has(name)) throw new ApiError(400, 'invalid_part', `part '${name}' appears twice`, name);
    seen.add(name);
    const segments = name.split('.');
    const [kind, id] = segments;
    try {
      if ((kind === 'post' || kind === 'patch') && segments.length === 2) {
        const run = jsonPart(name, part.bytes);
        if (typeof run !== 'object' || run === null || Array.isArray(run)) throw new RunError(name, `part '${name}' must be a JSON object (the run)`);
        const rid = runId(id, name, 'id');
        if ((run as Record<string, unknown>).id !== undefined && String((run as Record<string, unknown>).id).toLowerCase() !== rid) {
          throw new RunError(`${name}.id`, `the run's id ${JSON.stringify((run as Record<string, unknown>).id)} differs from the part name's ${rid}`);
        }
        mains.set(`${kind}.${rid}`, { op: kind, run: { ...(run as Record<string, unknown>), id: rid }, path: name, index });
      } else if ((kind === 'post' || kind === 'patch') && segments.length === 3) {
        fields.push({ key: `${kind}.${runId(id, name, 'id')}`, field: segments[2], value: jsonPart(name, part.bytes), name });
      } else if (kind === 'attachment' && segments.length >= 3) {
        if (part.size > MAX_ATTACHMENT_BYTES) {
          throw new ApiError(413, 'part_too_large', `attachment part '${name}' is ${part.size} bytes, over the limit of ${MAX_ATTACHMENT_BYTES} bytes`, name);
        }
        const bytes = part.bytes;
        attachments.push({ runId: runId(id, name, 'id'), name: segments.slice(2).join('.'), contentType: (part.headers['content-type'] ?? 'application/octet-stream').split(';')[0].trim(), bytes, path: name });
      } else if (kind === 'feedback' && segments.length === 2) {
        feedback.push({ body: jsonPart(name, part.bytes), path: name, index });
      } else {
        throw new ApiError(400, 'invalid_part', `part name '${name}' is not one of post.<id>, patch.<id>, post.<id>.<field>, patch.<id>.<field>, attachment.<id>.<name>, feedback.<id>`, name);
      }
    } catch (err) {
      // A run part that is not a run (bad id, not an object) is one rejected item; a body
      // that is not LangSmith multipart at all still fails whole, below and in jsonPart.
      if (!(err instanceof RunError)) throw err;
      rejected.push({ index, id: id ?? null, path: err.path, message: err.message });
      badRuns.add(`${kind}.${(id ?? '').toLowerCase()}`);
    }
  }
  for (const f of fields) {
    if (badRuns.has(f.key)) continue;
    const main = mains.get(f.key);
    if (!main) throw new ApiError(400, 'missing_part', `part '${f.name}' has no '${f.key}' part: send the run itself alongside its fields`, f.name);
    main.run[f.field] = f.value;
  }
  for (const a of attachments) {
    if (badRuns.has(`post.${a.runId}`) || badRuns.has(`patch.${a.runId}`)) continue;
    if (!mains.has(`post.${a.runId}`) && !mains.has(`patch.${a.runId}`)) {
      throw new ApiError(400, 'missing_part', `attachment '${a.path}' has no 'post.${a.runId}' or 'patch.${a.runId}' part in this request`, a.path);
    }
  }
  return { ops: [...mains.values()], feedback, attachments: attachments.filter((a) => mains.has(`post.${a.runId}`) || mains.has(`patch.${a.runId}`)), rejected };
}
