/** `loupe open <trace-id>`: the review UI's link to a trace. */
import type { Command } from 'commander';
import { resolveUrl } from '../config.ts';
import { print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

/** The UI's page for a trace (the UI is served on the API's origin). */
export function traceLink(url: string, traceId: string): string {
  return `${url}/traces/${encodeURIComponent(traceId)}`;
}

/** Registers `loupe open`. */
export function openCommand(program: Command): void {
  program
    .command('open')
    .description("print the link to a trace in Loupe's web UI")
    .argument('<trace-id>', 'the trace')
    .action(async (traceId: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const link = traceLink(await resolveUrl(g), traceId);
      await print(g.format === 'md' ? link : JSON.stringify({ url: link }));
    });
}
