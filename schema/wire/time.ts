/**
 * Timestamps on the wire: RFC 3339 strings or epoch milliseconds. Stored as epoch ms.
 */
import { z } from 'zod';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
/** Epoch ms below this (1973) are almost surely epoch seconds sent by mistake. */
const MIN_EPOCH_MS = 1e11;
/** Year 2200: anything later is a unit mistake (microseconds or nanoseconds). */
const MAX_EPOCH_MS = 7258118400000;

/** Parses an RFC 3339 string or epoch-ms number; returns epoch ms or an error message. */
export function parseTimestamp(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'must be a finite number of epoch milliseconds';
    if (value < MIN_EPOCH_MS) return 'looks like epoch seconds; send epoch milliseconds or an RFC 3339 string';
    if (value > MAX_EPOCH_MS) return 'looks like epoch micro- or nanoseconds; send epoch milliseconds or an RFC 3339 string';
    return Math.round(value);
  }
  if (typeof value === 'string') {
    if (!RFC3339.test(value)) return 'must be an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00.123Z) or epoch milliseconds';
    const ms = Date.parse(value.replace(' ', 'T'));
    if (Number.isNaN(ms)) return 'is not a valid date';
    return ms;
  }
  return 'must be an RFC 3339 string or epoch milliseconds';
}

/** A zod schema accepting RFC 3339 or epoch ms, producing epoch ms. */
export const Timestamp = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: 'RFC 3339 timestamp or epoch milliseconds', example: '2026-01-31T12:00:00.123Z' });

/** Formats epoch ms as RFC 3339 (UTC, millisecond precision) for responses. */
export function formatTimestamp(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}
