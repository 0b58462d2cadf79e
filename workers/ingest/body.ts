/**
 * Reading request bodies safely: a byte limit enforced while streaming (Content-Length
 * can be absent or lie), optional gzip, strict UTF-8 and JSON with clear 4xx errors.
 * Shared by every ingest format (native, OTLP, LangSmith).
 */
import { ApiError } from '../platform/errors.ts';

/** Reads the body into memory, refusing more than `maxBytes` (after decompression). */
export async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return new Uint8Array(0);
  let stream: ReadableStream<Uint8Array> = req.body;
  const encoding = (req.headers.get('content-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'deflate') {
    stream = stream.pipeThrough(new DecompressionStream(encoding) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  } else if (encoding && encoding !== 'identity') {
    throw new ApiError(415, 'unsupported_encoding', `Content-Encoding '${encoding}' is not supported; use gzip or none`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'invalid_body', `the request body could not be read (${encoding ? `bad ${encoding} data` : 'stream error'})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the request body is over the limit of ${maxBytes} bytes; send smaller batches`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8, rejecting invalid byte sequences (400) instead of replacing them. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_utf8', 'the request body is not valid UTF-8');
  }
}

/** Parses JSON text, answering 400 with the parser's complaint. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw new ApiError(400, 'invalid_json', 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads, decodes and parses a JSON request body within a byte limit. */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  return parseJson(decodeUtf8(await readBody(req, maxBytes)));
}
