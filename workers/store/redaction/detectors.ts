/**
 * PII detectors for redaction at ingest: pure functions from a string to the spans of it
 * that look like personal data or secrets. Regexes find candidates; checksums (Luhn for
 * cards, mod-97 for IBANs) and range checks (IPv4 octets, SSN areas) drop look-alikes, so
 * order ids and timestamps are not masked. Known misses are listed in docs/redaction.md.
 */

import { REDACTION_DETECTORS } from '../../../schema/wire/redaction.ts';

/** The built-in detectors (the wire schema's list, so the API and the engine never disagree). */
export const DETECTORS = REDACTION_DETECTORS;
export type DetectorName = (typeof DETECTORS)[number];

export interface Match {
  start: number;
  end: number;
  detector: string;
}

type Check = (m: string) => boolean;

function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const val = code >= 65 ? String(code - 55) : ch;
    for (const d of val) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

function ssnValid(m: string): boolean {
  const [a, g, s] = m.split('-');
  return a !== '000' && a !== '666' && a[0] !== '9' && g !== '00' && s !== '0000';
}

function ipv4Valid(m: string): boolean {
  return m.split('.').every((o) => Number(o) <= 255 && (o.length === 1 || o[0] !== '0'));
}

/**
 * Order matters: earlier detectors win overlaps (a JWT is a secret before anything inside
 * it is a phone number; a card before a phone). Every regex is linear-time (no nested
 * quantifiers over overlapping classes).
 */
const TABLE: { name: DetectorName; re: RegExp; check?: Check }[] = [
  // sk-..., sk_live_..., pk_live_..., ghp_..., xoxb-..., AKIA..., AIza...; then JWTs; then bearer tokens.
  { name: 'secret', re: /\b(?:sk|rk|pk)[-_](?:live_|test_|proj-|ant-)?[A-Za-z0-9_-]{16,}|\bgh[pousr]_[A-Za-z0-9]{30,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|(?<=\b[Bb]earer\s{1,4})[A-Za-z0-9._~+/=-]{16,}/g },
  { name: 'email', re: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g },
  { name: 'iban', re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, check: ibanValid },
  { name: 'card', re: /\b\d(?:[ -]?\d){12,18}\b/g, check: (m) => luhn(m.replace(/[ -]/g, '')) },
  { name: 'ssn', re: /\b\d{3}-\d{2}-\d{4}\b/g, check: ssnValid },
  { name: 'ip', re: /\b(?:\d{1,3}\.){3}\d{1,3}\b|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?(?![\w:])/g, check: (m) => !m.includes('.') || ipv4Valid(m) },
  // Phone numbers: +CC then 7-14 digits with separators, or NANP (xxx) xxx-xxxx / xxx-xxx-xxxx.
  { name: 'phone', re: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])|(?<!\w)\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)/g, check: (m) => { const n = m.replace(/\D/g, '').length; return n >= 8 && n <= 15; } },
];

export interface CustomRule {
  name: string;
  re: RegExp;
}

/** Finds non-overlapping matches of the chosen detectors (then custom rules) in `text`. */
export function findMatches(text: string, detectors: ReadonlySet<string>, custom: readonly CustomRule[] = []): Match[] {
  const found: Match[] = [];
  const taken = (s: number, e: number) => found.some((f) => s < f.end && e > f.start);
  for (const d of TABLE) {
    if (!detectors.has(d.name)) continue;
    d.re.lastIndex = 0;
    for (const m of text.matchAll(d.re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (d.check && !d.check(m[0])) continue;
      if (!taken(start, end)) found.push({ start, end, detector: d.name });
    }
  }
  for (const c of custom) {
    for (const m of text.matchAll(c.re)) {
      if (!m[0].length) continue;
      const start = m.index;
      const end = start + m[0].length;
      if (!taken(start, end)) found.push({ start, end, detector: `custom:${c.name}` });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** One detector on its own, for the table test and the docs. */
export function detect(name: DetectorName, text: string): string[] {
  return findMatches(text, new Set([name])).map((m) => text.slice(m.start, m.end));
}
