/**
 * The body of POST /runs/multipart, as the LangSmith SDKs write it: one part per run
 * operation (`post.<id>`, `patch.<id>`, JSON), the run's large fields as separate parts
 * (`post.<id>.inputs|outputs|events|extra|error|serialized`), files as
 * `attachment.<id>.<name>` (any content type), and `feedback.<id>`.
 *
 * Bodies without attachments (nearly all: every part is JSON text) are parsed by the
 * runtime's own `formData()`, which is native code and several times faster than a JS
 * parser; bodies with attachments go through @remix-run/multipart-parser, which keeps
 * binary parts byte-exact (`formData()` decodes a part without a filename as text).
 */
import { parseMultipart, MultipartParseError } from '@remix-run/multipart-parser';
import { ApiError } from '../../http/errors.ts';
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
  feedback: { body: unknown; path: string }[];
  attachments: AttachmentPart[];
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A part's content: raw bytes (JS parser) or text already decoded (formData). */
type PartContent = Uint8Array | string;

function jsonPart(name: string, content: PartContent): unknown {
  // Text length is a lower bound on its UTF-8 size, so the limit holds on both paths.
  const size = typeof content === 'string' ? content.length : content.byteLength;
  if (size > MAX_RUN_PART_BYTES) {
    throw new ApiError(413, 'part_too_large', `part '${name}' is ${size} bytes, over the limit of ${MAX_RUN_PART_BYTES} bytes for a run field; send large files as attachments`, name);
  }
  try {
    return JSON.parse(typeof content === 'string' ? content : decoder.decode(content));
  } catch (err) {
    throw new ApiError(400, 'invalid_part', `part '${name}' is not valid UTF-8 JSON: ${(err as Error).message}`, name);
  }
}

const ATTACHMENT_MARKER = new TextEncoder().encode('name="attachment.');

/** True when some part is an attachment (its Content-Disposition names `attachment.`). */
function hasAttachmentPart(body: Uint8Array): boolean {
  const m = ATTACHMENT_MARKER;
  const first = m[0];
  for (let i = body.indexOf(first); i !== -1 && i <= body.length - m.length; i = body.indexOf(first, i + 1)) {
    let j = 1;
    while (j < m.length && body[i + j] === m[j]) j++;
    if (j === m.length) return true;
  }
  return false;
}

/** Parses a multipart body into named parts, with the runtime's parser when it is safe to. */
async function parts(body: Uint8Array, boundary: string): Promise<{ name: string | undefined; content: PartContent; size: number; contentType?: string }[]> {
  if (!hasAttachmentPart(body)) {
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }).formData();
    } catch (err) {
      throw new ApiError(400, 'invalid_multipart', `the multipart body could not be parsed: ${(err as Error).message}`);
    }
    const out: { name: string | undefined; content: PartContent; size: number }[] = [];
    for (const [name, value] of form as unknown as Iterable<[string, string | File]>) {
      const content = typeof value === 'string' ? value : new Uint8Array(await value.arrayBuffer());
      out.push({ name, content, size: typeof content === 'string' ? content.length : content.byteLength });
    }
    return out;
  }
  try {
    return [...parseMultipart(body, { boundary, maxFileSize: Math.max(MAX_ATTACHMENT_BYTES, MAX_RUN_PART_BYTES) + 1, maxTotalSize: body.byteLength + 1, maxParts: 100_000, maxHeaderSize: 16 * 1024 })].map((p) => ({
      name: p.name,
      content: p.bytes,
      size: p.size,
      contentType: p.headers['content-type'],
    }));
  } catch (err) {
    if (err instanceof MultipartParseError) throw new ApiError(400, 'invalid_multipart', `the multipart body could not be parsed: ${err.message}`);
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
export async function parseRunMultipart(body: Uint8Array, boundary: string): Promise<RunBatch> {
  const mains = new Map<string, RunOp>();
  const fields: { key: string; field: string; value: unknown; name: string }[] = [];
  const feedback: RunBatch['feedback'] = [];
  const attachments: AttachmentPart[] = [];
  const seen = new Set<string>();
  for (const part of await parts(body, boundary)) {
    const name = part.name;
    if (!name) throw new ApiError(400, 'invalid_part', 'every part needs a name (Content-Disposition: form-data; name="post.<run id>")');
    if (seen.has(name)) throw new ApiError(400, 'invalid_part', `part '${name}' appears twice`, name);
    seen.add(name);
    const segments = name.split('.');
    const [kind, id] = segments;
    try {
      if ((kind === 'post' || kind === 'patch') && segments.length === 2) {
        const run = jsonPart(name, part.content);
        if (typeof run !== 'object' || run === null || Array.isArray(run)) throw new RunError(name, `part '${name}' must be a JSON object (the run)`);
        const rid = runId(id, name, 'id');
        if ((run as Record<string, unknown>).id !== undefined && String((run as Record<string, unknown>).id).toLowerCase() !== rid) {
          throw new RunError(`${name}.id`, `the run's id ${JSON.stringify((run as Record<string, unknown>).id)} differs from the part name's ${rid}`);
        }
        mains.set(`${kind}.${rid}`, { op: kind, run: { ...(run as Record<string, unknown>), id: rid }, path: name });
      } else if ((kind === 'post' || kind === 'patch') && segments.length === 3) {
        fields.push({ key: `${kind}.${runId(id, name, 'id')}`, field: segments[2], value: jsonPart(name, part.content), name });
      } else if (kind === 'attachment' && segments.length >= 3) {
        if (part.size > MAX_ATTACHMENT_BYTES) {
          throw new ApiError(413, 'part_too_large', `attachment part '${name}' is ${part.size} bytes, over the limit of ${MAX_ATTACHMENT_BYTES} bytes`, name);
        }
        const bytes = typeof part.content === 'string' ? new TextEncoder().encode(part.content) : part.content;
        attachments.push({ runId: runId(id, name, 'id'), name: segments.slice(2).join('.'), contentType: (part.contentType ?? 'application/octet-stream').split(';')[0].trim(), bytes, path: name });
      } else if (kind === 'feedback' && segments.length === 2) {
        feedback.push({ body: jsonPart(name, part.content), path: name });
      } else {
        throw new ApiError(400, 'invalid_part', `part name '${name}' is not one of post.<id>, patch.<id>, post.<id>.<field>, patch.<id>.<field>, attachment.<id>.<name>, feedback.<id>`, name);
      }
    } catch (err) {
      if (err instanceof RunError) throw new ApiError(400, 'invalid_run', err.message, err.path);
      throw err;
    }
  }
  for (const f of fields) {
    const main = mains.get(f.key);
    if (!main) throw new ApiError(400, 'missing_part', `part '${f.name}' has no '${f.key}' part: send the run itself alongside its fields`, f.name);
    main.run[f.field] = f.value;
  }
  for (const a of attachments) {
    if (!mains.has(`post.${a.runId}`) && !mains.has(`patch.${a.runId}`)) {
      throw new ApiError(400, 'missing_part', `attachment '${a.path}' has no 'post.${a.runId}' or 'patch.${a.runId}' part in this request`, a.path);
    }
  }
  return { ops: [...mains.values()], feedback, attachments };
}
