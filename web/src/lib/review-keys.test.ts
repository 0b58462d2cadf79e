import { describe, it, expect } from 'vitest';
import { choices, digitValue, missingRequired } from './review-keys.ts';
import type { RubricKey } from '../../../schema/wire/review.ts';

const yesNo: RubricKey = { key: 'ok', type: 'boolean', description: '', required: true, true_label: 'Yes', false_label: 'No' };
const mode: RubricKey = { key: 'mode', type: 'categorical', description: '', required: false, options: [{ value: 'policy', label: 'Policy' }, { value: 'tool_args' }] };
const scale: RubricKey = { key: 'q', type: 'number', description: '', required: true, min: 1, max: 5, step: 1 };
const wide: RubricKey = { key: 'w', type: 'number', description: '', required: false, min: 0, max: 100 };
const note: RubricKey = { key: 'n', type: 'text', description: '', required: true, max_length: 10 };

describe('review keyboard', () => {
  it('digits pick Yes/No, options in order, and whole numbers of a small range', () => {
    expect(digitValue(yesNo, 1)).toBe(true);
    expect(digitValue(yesNo, 2)).toBe(false);
    expect(digitValue(mode, 2)).toBe('tool_args');
    expect(digitValue(mode, 3)).toBeUndefined();
    expect(digitValue(scale, 4)).toBe(4);
    expect(digitValue(scale, 0)).toBeUndefined();
    expect(choices(mode).map((c) => c.label)).toEqual(['Policy', 'tool_args']);
  });

  it('offers no digit choices for text or ranges digits cannot type', () => {
    expect(choices(wide)).toEqual([]);
    expect(choices(note)).toEqual([]);
  });

  it('lists required keys without an answer (blank text counts as none)', () => {
    expect(missingRequired([yesNo, mode, scale, note], { ok: false, n: '  ' })).toEqual(['q', 'n']);
  });
});
