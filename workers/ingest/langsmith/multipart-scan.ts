/**
 * A multipart/form-data scanner for a body that is already whole in memory (the route
 * reads it with its size limit first, un-gzipped). The LangSmith SDKs send ~4 parts per
 * run, so a 500-run batch is ~2,000 parts, and per-part overhead is what counts: the
 * general streaming parser used before spent ~6 ms of a 500-run body just parsing part
 * headers to get each part's name. Here each delimiter is found with the typed array's
 * native `indexOf` on its first byte (a CR, which JSON parts never contain raw), headers
 * are decoded as latin1 and split by hand, and each part's content is a zero-copy
 * `subarray` of the body, so binary attachments stay byte-exact.
 * RFC 7578 / RFC 2046: an optional preamble, `--boundary` lines with optional transport
 * padding, headers ending in an empty line, and the closing `--boundary--`.
 */

/** Why a body is not multipart as the boundary says (the route answers 400). */
export class MultipartScanError extends Error {}

/** One part: its name (from Content-Disposition), lower-cased headers and its bytes. */
export interface ScannedPart {
  name: string | undefined;
  headers: Record<string, string>;
  bytes: Uint8Array;
  size: number;
}

const CR = 13;
const LF = 10;
const DASH = 45;
const enc = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** Index of `needle` in `hay` at or after `from`, or -1. */
function find(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  let i = hay.indexOf(first, from);
  outer: while (i !== -1 && i <= last) {
    for (let j = 1; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) {
        i = hay.indexOf(first, i + 1);
        continue outer;
      }
    }
    return i;
  }
  return -1;
}

/** The `name` parameter of a Content-Disposition header (quoted or not). */
function dispositionName(value: string): string | undefined {
  const m = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** Splits a whole multipart body into parts; throws MultipartScanError naming what is wrong. */
export function scanMultipart(body: Uint8Array, boundary: string, limits: { maxParts: number; maxHeaderSize: number }): ScannedPart[] {
  const dashBoundary = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const headerEnd = enc.encode('\r\n\r\n');
  // The first boundary may open the body or follow a preamble.
  let pos: number;
  if (find(body.subarray(0, dashBoundary.length), dashBoundary, 0) === 0) pos = dashBoundary.length;
  else {
    const at = find(body, delimiter, 0);
    if (at === -1) throw new MultipartScanError(`no '--${boundary}' boundary line in the body`);
    pos = at + delimiter.length;
  }
  const parts: ScannedPart[] = [];
  for (;;) {
    // After a boundary: `--` closes the body; else optional padding, then CRLF.
    if (body[pos] === DASH && body[pos + 1] === DASH) return parts;
    while (body[pos] === 32 || body[pos] === 9) pos++;
    if (body[pos] !== CR || body[pos + 1] !== LF) {
      throw new MultipartScanError(pos >= body.length ? 'the body ends before its closing boundary' : `a boundary line is followed by something other than a line break at byte ${pos}`);
    }
    pos += 2;
    if (parts.length >= limits.maxParts) throw new MultipartScanError(`more than ${limits.maxParts} parts`);
    // Headers run to the first empty line (none at all: the part starts with CRLF).
    let contentStart: number;
    let headerText: string;
    if (body[pos] === CR && body[pos + 1] === LF) {
      contentStart = pos + 2;
      headerText = '';
    } else {
      const end = find(body, headerEnd, pos);
      if (end === -1 || end - pos > limits.maxHeaderSize) {
        throw new MultipartScanError(end === -1 ? 'the body ends inside a part header' : `a part header is over ${limits.maxHeaderSize} bytes`);
      }
      headerText = latin1.decode(body.subarray(pos, end));
      contentStart = end + 4;
    }
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const end = find(body, delimiter, contentStart);
    if (end === -1) throw new MultipartScanError('the body ends before its closing boundary');
    const bytes = body.subarray(contentStart, end);
    const disposition = headers['content-disposition'];
    parts.push({ name: disposition ? dispositionName(disposition) : undefined, headers, bytes, size: bytes.byteLength });
    pos = end + delimiter.length;
  }
}
