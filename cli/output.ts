/**
 * Output for two readers. `md` (the default) is compact markdown that people and LLMs
 * read well; `json` and `jsonl` print the API's data unchanged for scripts.
 */
export { tracesTable, spansTable, feedbackKeysTable, feedbackSentence } from '../schema/render/lists.ts';

/** The output formats. */
export const FORMATS = ['md', 'json', 'jsonl'] as const;
export type Format = (typeof FORMATS)[number];

/** Writes text to stdout, waiting when the pipe is full (large exports, slow readers). */
export async function print(text: string): Promise<void> {
  if (!process.stdout.write(text.endsWith('\n') ? text : text + '\n')) {
    await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}

/** `json`: the value pretty-printed; `jsonl`: each item on its own line. */
export function jsonOutput(format: 'json' | 'jsonl', whole: unknown, items: unknown[]): string {
  return format === 'json' ? JSON.stringify(whole, null, 2) : items.map((i) => JSON.stringify(i)).join('\n');
}

