/**
 * `loupe`: Loupe from a terminal, for people, CI and coding agents. Commands read traces
 * (as compact markdown trajectories or as the API's JSON) and write feedback back.
 * Run through cli/bin/loupe.js (see docs/cli.md for how it runs on any Node >= 20).
 */
import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT, formatFilterError } from './errors.ts';
import { FORMATS } from './output.ts';
import { tracesCommands } from './commands/traces.ts';
import { spansCommands } from './commands/spans.ts';
import { feedbackCommands } from './commands/feedback.ts';
import { loginCommand } from './commands/login.ts';
import { openCommand } from './commands/open.ts';
import { experimentsCommands, isGateCommand } from './commands/experiments.ts';
import { calibrationCommands } from './commands/calibration.ts';
import { insightsCommands } from './commands/insights.ts';
import { datasetsCommands } from './commands/datasets.ts';
import { statsCommands } from './commands/stats.ts';
import { portabilityCommands } from './commands/portability.ts';

/** The whole command tree. */
export function buildProgram(): Command {
  const program = new Command('loupe')
    .description('Read agent traces and write feedback in Loupe, from a terminal or a coding agent.')
    .version('0.1.0')
    .addOption(new Option('--url <url>', 'the Loupe server (else LOUPE_URL, else `loupe login`)'))
    .addOption(new Option('--api-key <key>', 'a project API key (else LOUPE_API_KEY, else `loupe login`)'))
    .addOption(new Option('--format <format>', 'md: compact markdown for people and LLMs; json/jsonl: the API data unchanged').choices(FORMATS).default('md'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText('after', '\nExit codes: 0 ok, 1 usage (bad flags or filter), 2 not found or auth, 3 server or network error.\nFilters: docs/filter-language.md, e.g. `loupe traces list "feedback.outcome=0" --since 7d`.');
  tracesCommands(program);
  spansCommands(program);
  feedbackCommands(program);
  calibrationCommands(program);
  loginCommand(program);
  openCommand(program);
  experimentsCommands(program);
  insightsCommands(program);
  datasetsCommands(program);
  statsCommands(program);
  portabilityCommands(program);
  // Subcommands stop on their own errors too, so every error reaches run() below.
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs the CLI with `argv` (user arguments only) and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; commander already printed its message.
      return err.exitCode === 0 ? EXIT.ok : isGateCommand(argv) ? 2 : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`loupe: ${err.filter ? formatFilterError(err.message, err.filter) : err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`loupe: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.server;
  }
}

// Run when executed directly (node cli/main.ts, the bundle, or the bin shim importing it).
if (process.argv[1] && /(?:^|[/\\])(main\.ts|loupe\.mjs)$/.test(process.argv[1])) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
