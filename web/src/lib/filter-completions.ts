/**
 * Filter bar logic without React: client-side checking of the shared filter language
 * (the same parser the API runs) and completions merging the language's static
 * suggestions with the project's vocabulary from GET /v1/traces/facets.
 */
import { FilterError, parseFilter, suggest, type Suggestion } from '../../../schema/filter/index.ts';
import type { TraceFacets } from '../../../schema/wire/facets.ts';

/** Where a filter went wrong, as a range into its text. */
export interface FilterProblem {
  message: string;
  position: number;
  end: number;
}

/** Checks a filter client-side; null when it parses. */
export function checkFilter(text: string): FilterProblem | null {
  if (!text.trim()) return null;
  try {
    parseFilter(text);
    return null;
  } catch (err) {
    if (err instanceof FilterError) return { message: err.message, position: err.position, end: err.end };
    return { message: String(err), position: 0, end: text.length };
  }
}

/** Which facet completes a value of `field`. */
const VALUE_FACETS: Record<string, keyof TraceFacets> = {
  tag: 'tags',
  env: 'environments',
  release: 'releases',
  model: 'models',
  name: 'names',
};

/** A value as the language needs it: bare when it is one word, else quoted. */
export function quoteValue(value: string): string {
  return /^[A-Za-z0-9_.:\-/@+*]+$/.test(value) && !/^(and|or|not|in|has)$/i.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Static suggestions plus the project's vocabulary for the spot being edited. */
export function completions(text: string, cursor: number, facets: TraceFacets | undefined): { from: number; to: number; options: Suggestion[] } {
  const s = suggest(text, cursor);
  if (!facets) return s;
  const before = text.slice(0, s.from);
  const typed = text.slice(s.from, cursor).replace(/^["']/, '').toLowerCase();
  const add = (values: string[], detail: string, quote = true) =>
    values.filter((v) => v.toLowerCase().startsWith(typed)).slice(0, 50).map((v) => ({ label: quote ? quoteValue(v) : v, detail }));
  const keyed = /\b(metadata|feedback|score)\.$/i.exec(before);
  if (keyed) {
    const keys = keyed[1].toLowerCase() === 'metadata' ? facets.metadata_keys : facets.feedback_keys;
    return { ...s, options: add(keys, `${keyed[1].toLowerCase()} key`) };
  }
  const valueOf = /\b([a-z]+)\s*(?:=|!=|~)\s*["']?$/i.exec(before) ?? /\b([a-z]+)\s+(?:not\s+)?in\s*\(([^()]*,)?\s*["']?$/i.exec(before);
  const facet = valueOf ? VALUE_FACETS[valueOf[1].toLowerCase()] : undefined;
  if (facet) return { ...s, options: [...add(facets[facet] as string[], valueOf![1].toLowerCase()), ...s.options].slice(0, 50) };
  return s;
}

