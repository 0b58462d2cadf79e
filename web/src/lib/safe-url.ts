/**
 * Which URLs from untrusted text may reach the document. Trace, feedback and dataset text
 * is written by whoever can post spans, so a URL in it is hostile until shown otherwise:
 * only http(s) (and relative) URLs go into links and images. A data: URL never does, not
 * even an image's: an SVG in one carries script, and "no data: URL in the live document"
 * is the simple rule the browser test checks. A base64 raster image (what chat APIs send
 * for a screenshot) is still shown: it is decoded into a blob: URL of an image type that
 * cannot hold script.
 */

/** Browsers drop ASCII whitespace and control characters inside a scheme ("jav\tascript:"). */
function scheme(url: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020]+/g, ''));
  return m ? m[1].toLowerCase() : null;
}

/** Whether a URL from untrusted text may be a link's href or an image's src. */
export function isSafeUrl(url: string): boolean {
  const s = scheme(url);
  return s === null || s === 'http' || s === 'https' || s === 'mailto';
}

/** Raster image types a data: URL may be decoded as (no SVG: it can carry script). */
const RASTER = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

/** A base64 raster data: URL as its type and bytes, or null for anything else. */
export function inlineImage(url: string): { type: string; bytes: Uint8Array } | null {
  const m = /^data:([a-z/+.-]+);base64,([A-Za-z0-9+/=\s]*)$/i.exec(url.trim());
  if (!m || !RASTER.has(m[1].toLowerCase())) return null;
  try {
    const bin = atob(m[2].replace(/\s+/g, ''));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return { type: m[1].toLowerCase(), bytes };
  } catch {
    return null;
  }
}
