/**
 * What the CLI tells its caller when something goes wrong: one message on stderr and an
 * exit code a script or an agent can branch on.
 */

/** Exit codes: 0 ok, 1 usage (bad flags, bad filter), 2 not found or auth, 3 server or network. */
export const EXIT = { ok: 0, usage: 1, notFoundOrAuth: 2, server: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A filter the server could not parse: its text and the 0-based range at fault. */
export interface FilterProblem {
  q: string;
  position: number;
  end?: number;
}

/** An error that ends the command with `exitCode` after printing `message`. */
export class CliError extends Error {
  exitCode: ExitCode;
  filter?: FilterProblem;
  constructor(message: string, exitCode: ExitCode, filter?: FilterProblem) {
    super(message);
    this.exitCode = exitCode;
    this.filter = filter;
  }
}

/**
 * The message for a filter error: the server's words, the filter, and carets under the
 * part at fault (positions are UTF-16 offsets, as JavaScript strings count).
 */
export function formatFilterError(message: string, f: FilterProblem): string {
  const start = Math.max(0, Math.min(f.position, f.q.length));
  const end = Math.max(start + 1, Math.min(f.end ?? start + 1, f.q.length + 1));
  // Tabs and newlines would shift the caret; show them as spaces of the same width.
  const line = f.q.replace(/[\t\r\n]/g, ' ');
  return `invalid filter: ${message}\n  ${line}\n  ${' '.repeat(start)}${'^'.repeat(end - start)}`;
}
