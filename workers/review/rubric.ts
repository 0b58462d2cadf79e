/**
 * A review checked against its queue's rubric, and turned into the feedback rows it
 * becomes: one per answered key (boolean -> score 1/0 and value; option -> value and the
 * option's score; number -> score; text -> value). Pure: the route validates before the
 * review hub sees anything, so a bad review is a 400 naming the key and nothing is stored.
 */
import type { RubricKey } from '../../schema/wire/review.ts';
import { ApiError } from '../platform/errors.ts';

/** One answered rubric key as it will be stored. */
export interface ReviewEntry {
  key: string;
  score: number | null;
  value: boolean | number | string | null;
}

/** A review's answers, validated: the values as given (unanswered keys omitted) and their entries. */
export interface CheckedValues {
  values: Record<string, boolean | number | string>;
  entries: ReviewEntry[];
}

type Answer = boolean | number | string | null | undefined;

/** Why `answer` is not a valid value for `key`, or null when it is. */
function problem(key: RubricKey, answer: Exclude<Answer, null | undefined>): string | null {
  switch (key.type) {
    case 'boolean':
      return typeof answer === 'boolean' ? null : 'must be true or false';
    case 'categorical':
      return typeof answer === 'string' && key.options.some((o) => o.value === answer) ? null : `must be one of ${key.options.map((o) => JSON.stringify(o.value)).join(', ')}`;
    case 'number': {
      if (typeof answer !== 'number' || !Number.isFinite(answer)) return `must be a number from ${key.min} to ${key.max}`;
      if (answer < key.min || answer > key.max) return `must be from ${key.min} to ${key.max} (got ${answer})`;
      if (key.step) {
        const steps = (answer - key.min) / key.step;
        if (Math.abs(steps - Math.round(steps)) > 1e-9) return `must be ${key.min} plus a multiple of ${key.step}`;
      }
      return null;
    }
    case 'text':
      if (typeof answer !== 'string') return 'must be text';
      return answer.length > key.max_length ? `must be at most ${key.max_length} characters` : null;
  }
}

/** The feedback entry of a valid answer. */
export function entryFor(key: RubricKey, answer: boolean | number | string): ReviewEntry {
  switch (key.type) {
    case 'boolean':
      return { key: key.key, score: answer ? 1 : 0, value: answer };
    case 'categorical':
      return { key: key.key, score: key.options.find((o) => o.value === answer)?.score ?? null, value: answer };
    case 'number':
      return { key: key.key, score: answer as number, value: null };
    case 'text':
      return { key: key.key, score: null, value: answer };
  }
}

/**
 * Checks answers against a rubric. Unknown keys and invalid values are 400s naming
 * `values.<key>`; with `requireAll`, so are missing required keys. Empty text counts as
 * not answered.
 */
export function checkValues(rubric: RubricKey[], answers: Record<string, Answer>, opts: { requireAll: boolean; path?: string } = { requireAll: true }): CheckedValues {
  const path = opts.path ?? 'values';
  const byKey = new Map(rubric.map((k) => [k.key, k]));
  for (const name of Object.keys(answers)) {
    if (!byKey.has(name)) throw new ApiError(400, 'invalid_review', `${path}.${name}: not a key of this queue's rubric (${rubric.map((k) => k.key).join(', ')})`, `${path}.${name}`);
  }
  const values: CheckedValues['values'] = {};
  const entries: ReviewEntry[] = [];
  for (const key of rubric) {
    let answer = answers[key.key];
    if (typeof answer === 'string' && key.type === 'text' && answer.trim() === '') answer = null;
    if (answer === null || answer === undefined) {
      if (opts.requireAll && key.required) throw new ApiError(400, 'invalid_review', `${path}.${key.key}: required by the rubric`, `${path}.${key.key}`);
      continue;
    }
    const why = problem(key, answer);
    if (why) throw new ApiError(400, 'invalid_review', `${path}.${key.key}: ${why}`, `${path}.${key.key}`);
    values[key.key] = answer;
    entries.push(entryFor(key, answer));
  }
  return { values, entries };
}

/** Rubric keys on which agreement is measured (text answers are not compared). */
export const comparable = (key: RubricKey) => key.type !== 'text';
