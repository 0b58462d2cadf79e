/**
 * The review screen's keyboard: which value a digit picks for a rubric key, the labels
 * shown beside each digit, and which required keys are still unanswered. Pure, so it is
 * tested without a browser.
 */
import type { RubricKey } from '../../../schema/wire/review.ts';

/** A review answer. */
export type Answer = boolean | number | string;

/** One choice a digit picks. */
export interface Choice {
  digit: number;
  label: string;
  value: Answer;
  description?: string;
}

/** The digit choices of a key: Yes/No, the options, or the whole numbers of a small range (none for text). */
export function choices(key: RubricKey): Choice[] {
  switch (key.type) {
    case 'boolean':
      return [
        { digit: 1, label: key.true_label, value: true },
        { digit: 2, label: key.false_label, value: false },
      ];
    case 'categorical':
      return key.options.map((o, i) => ({ digit: i + 1, label: o.label ?? o.value, value: o.value, description: o.description }));
    case 'number': {
      const step = key.step ?? 1;
      if (!Number.isInteger(key.min) || !Number.isInteger(step) || key.min < 0 || key.max > 9) return [];
      const out: Choice[] = [];
      for (let n = key.min; n <= key.max; n += step) out.push({ digit: n, label: String(n), value: n });
      return out;
    }
    case 'text':
      return [];
  }
}

/** The value digit `d` picks for `key`, if any. */
export function digitValue(key: RubricKey, d: number): Answer | undefined {
  return choices(key).find((c) => c.digit === d)?.value;
}

/** Required keys without an answer. */
export function missingRequired(rubric: RubricKey[], values: Record<string, Answer | undefined>): string[] {
  return rubric.filter((k) => k.required && (values[k.key] === undefined || (typeof values[k.key] === 'string' && (values[k.key] as string).trim() === ''))).map((k) => k.key);
}

/** The shortcuts, for the `?` overlay. */
export const SHORTCUTS: [string, string][] = [
  ['1–9', 'pick an option of the highlighted question (then the next question is highlighted)'],
  ['Tab / Shift+Tab', 'highlight the next / previous question'],
  ['Enter', 'submit the review and open the next item'],
  ['s', 'skip this item (it goes to someone else)'],
  ['e', 'edit the correction'],
  ['c', 'write a comment'],
  ['x', 'escalate to a domain-expert queue'],
  ['j / k', 'move through the spans of the trace'],
  ['Esc', 'leave a text field (back to the shortcuts)'],
  ['?', 'show or hide this help'],
];
