/**
 * The options every command takes (server, key, output format), declared once: the
 * program adds them, and each command reads them back with `optsWithGlobals<GlobalFlags>()`.
 */
import { Option } from 'commander';
import { FORMATS, type Format } from './output.ts';

/** Options every command takes. */
export interface GlobalFlags {
  url?: string;
  apiKey?: string;
  format: Format;
}

/** The commander options behind GlobalFlags (new objects per call: a program owns its options). */
export function globalOptions(): Option[] {
  return [
    new Option('--url <url>', 'the Loupe server (else LOUPE_URL, else `loupe login`)'),
    new Option('--api-key <key>', 'a project API key (else LOUPE_API_KEY, else `loupe login`)'),
    new Option('--format <format>', 'md: compact markdown for people and LLMs; json/jsonl: the API data unchanged').choices(FORMATS).default('md'),
  ];
}
