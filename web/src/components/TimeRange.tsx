/**
 * Time ranges in the UI: the one list of "last N" presets that every range picker offers
 * a part of, and the traces list's picker (a preset, all time, or custom from/to).
 */

/** A preset: the last `ms` milliseconds up to now. */
export interface TimePreset {
  id: string;
  label: string;
  ms: number;
}

/** Every "last N" preset, shortest first. The ids are also the traces URL's `range` values. */
export const TIME_PRESETS: readonly TimePreset[] = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
];

/** The presets with these ids, in the order given. */
export function timePresets(...ids: string[]): TimePreset[] {
  return ids.map((id) => TIME_PRESETS.find((p) => p.id === id)!);
}

/** The custom from/to choice. */
export const CUSTOM_RANGE = { id: 'custom', label: 'Custom…' } as const;

/** The traces list's choices. */
const RANGES: readonly { id: string; label: string }[] = [...timePresets('1h', '24h', '7d', '30d'), { id: 'all', label: 'All time' }, CUSTOM_RANGE];

/** The range in the URL as API `from`/`to` (epoch ms), given `now`. */
export function rangeBounds(range: string, from: string | null, to: string | null, now: number): { from?: number; to?: number } {
  if (range === 'custom') {
    const f = from ? Date.parse(from) : NaN;
    const t = to ? Date.parse(to) : NaN;
    return { from: Number.isNaN(f) ? undefined : f, to: Number.isNaN(t) ? undefined : t };
  }
  const preset = TIME_PRESETS.find((r) => r.id === range);
  return preset ? { from: now - preset.ms } : {};
}

/** `2026-01-31T12:00` for a datetime-local input, in local time. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A select of time ranges by id (presets, and whatever choices the caller adds). */
export function RangeSelect({ ranges, value, label, onChange }: { ranges: readonly { id: string; label: string }[]; value: string; label: string; onChange(id: string): void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
      {ranges.map((r) => (
        <option key={r.id} value={r.id}>
          {r.label}
        </option>
      ))}
    </select>
  );
}

/**
 * Preset select plus from/to inputs for a custom range. `ranges` replaces the traces list's
 * choices (the dashboard's have no "all time": its API reads at most 90 days).
 */
export function TimeRange({ range, from, to, onChange, ranges = RANGES }: { range: string; from: string | null; to: string | null; onChange(next: { range: string; from?: string | null; to?: string | null }): void; ranges?: readonly { id: string; label: string }[] }) {
  return (
    <div className="time-range">
      <RangeSelect ranges={ranges} value={range} label="Time range" onChange={(id) => onChange({ range: id, from: null, to: null })} />
      {range === 'custom' && (
        <>
          <input type="datetime-local" aria-label="From" value={toLocalInput(from)} onChange={(e) => onChange({ range, from: e.target.value ? new Date(e.target.value).toISOString() : null, to })} />
          <span className="muted">to</span>
          <input type="datetime-local" aria-label="To" value={toLocalInput(to)} onChange={(e) => onChange({ range, from, to: e.target.value ? new Date(e.target.value).toISOString() : null })} />
        </>
      )}
    </div>
  );
}
