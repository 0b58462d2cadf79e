import { describe, it, expect } from 'vitest';
import { formatAgo, formatTime } from './format.ts';

describe('how long ago something happened', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const ago = (ms: number) => formatAgo(new Date(now - ms).toISOString(), now);

  it('says now under a minute, then counts in the largest whole unit up to days', () => {
    expect(ago(42_000)).toBe('now');
    expect(ago(5 * 60_000 + 59_000)).toBe('5m ago');
    expect(ago(3 * 3_600_000)).toBe('3h ago');
    expect(ago(3 * 86_400_000 + 3_600_000)).toBe('3d ago');
  });

  it('gives the date itself for a month or more ago, for a time in the future, and a dash for none', () => {
    const old = new Date(now - 31 * 86_400_000).toISOString();
    expect(formatAgo(old, now)).toBe(formatTime(old));
    const later = new Date(now + 60_000).toISOString();
    expect(formatAgo(later, now)).toBe(formatTime(later));
    expect(formatAgo(null, now)).toBe('—');
  });
});
