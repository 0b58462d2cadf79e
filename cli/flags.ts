/** The options every `loupe` command takes (the entry, cli/main.ts, declares them on the program). */
import type { Format } from './output.ts';

/** Options every command takes. */
export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  format: Format;
}
