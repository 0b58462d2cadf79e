/** How numbers, times and money read in the UI. */

/** 850 ms, 1.2 s, 3 m 05 s, 2 h 10 m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** 1,234 tokens; null as a dash. */
export function formatTokens(n: number | null | undefined): string {
  return n == null ? '—' : n.toLocaleString('en-US');
}

/** $0.0123, $1.20; tiny costs keep 2 significant digits. */
export function formatCost(usd: number | null | undefined): string {
  if (usd == null) return '—';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(usd < 10 ? 4 : 2)}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A local date and time, or a dash. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return dateTime.format(new Date(iso));
}

/** Relative times in the reader's language, compact for tables ("5m ago", "3d ago"). */
const relative = new Intl.RelativeTimeFormat(undefined, { style: 'narrow', numeric: 'always' });
/** Under a minute: "now" in the reader's language (seconds would tick while one reads). */
const justNow = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(0, 'second');

/** "now", "5m ago", "3h ago", "3d ago": for recent times in tables; older or future times as a date. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = now - Date.parse(iso);
  if (ms < 0) return formatTime(iso);
  if (ms < 60_000) return justNow;
  if (ms < 3_600_000) return relative.format(-Math.floor(ms / 60_000), 'minute');
  if (ms < 86_400_000) return relative.format(-Math.floor(ms / 3_600_000), 'hour');
  if (ms < 30 * 86_400_000) return relative.format(-Math.floor(ms / 86_400_000), 'day');
  return formatTime(iso);
}

/** A score for badges: 1, 0.75, 0.333. */
export function formatScore(n: number | null | undefined): string {
  if (n == null) return '—';
  return Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) < 1 ? 2 : 1);
}

/** A byte count for people: B, KB, MB or GB (powers of 1024). */
export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`;
}
