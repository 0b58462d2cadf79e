/** `loupe feedback add|keys`: write a finding back onto a trace; see which keys exist. */
import type { Command } from 'commander';
import { FeedbackIn, FeedbackKeyList, FeedbackOut, FeedbackSource } from '../../schema/wire/feedback.ts';
import { request } from '../client.ts';
import { resolveConnection } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { feedbackKeysTable, feedbackSentence, jsonOutput, print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

interface AddFlags {
  comment?: string;
  correction?: string;
  span?: string;
  id?: string;
  source?: string;
  author?: string;
}

/** JSON if it parses as JSON, else the text itself. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `key=0.5`, `key=true` give a score (true/false are 1/0); `key=wrong_flight` or
 * `key='{"a":1}'` give a value (JSON when it parses as an object, array or quoted string).
 */
export function parseAssignment(text: string): { key: string; score?: number; value?: unknown } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`'${text}' should be <key>=<score|value>, e.g. thumbs=0, helpfulness=0.8 or category=wrong_flight`, EXIT.usage);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  if (raw === '') throw new CliError(`'${text}' has no score or value after '='`, EXIT.usage);
  if (raw === 'true' || raw === 'false') return { key, score: raw === 'true' ? 1 : 0 };
  if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw)) return { key, score: Number(raw) };
  return { key, value: /^[[{"]/.test(raw) ? jsonOrText(raw) : raw };
}

/** Registers the `feedback` commands. */
export function feedbackCommands(program: Command): void {
  const feedback = program.command('feedback').description('add feedback to traces; list feedback keys');

  feedback
    .command('add')
    .description('add feedback (a score, a value, a comment, a correction) to a trace or one of its spans; needs a key with the ingest scope')
    .argument('<trace-id>', 'the trace')
    .argument('<key=score|value>', 'e.g. thumbs=0, helpfulness=0.8, correct=false, failure=wrong_cabin')
    .option('--comment <text>', 'what you found, in words')
    .option('--correction <json|text>', 'the output it should have given (JSON, or plain text)')
    .option('--span <span-id>', 'attach to this span instead of the whole trace')
    .option('--id <id>', 'your own id: adding again with the same id updates that feedback instead of adding a second one')
    .option('--source <source>', `who gives it: ${FeedbackSource.options.join(', ')}`, 'api')
    .option('--author <name>', 'who you are (a person, an agent)')
    .action(async (traceId: string, assignment: string, flags: AddFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const { key, score, value } = parseAssignment(assignment);
      const body = {
        trace_id: traceId,
        key,
        ...(score !== undefined ? { score } : { value }),
        ...(flags.span ? { span_id: flags.span } : {}),
        ...(flags.id ? { id: flags.id } : {}),
        ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
        ...(flags.correction !== undefined ? { correction: jsonOrText(flags.correction) } : {}),
        ...(flags.author ? { author: flags.author } : {}),
        source: flags.source,
      };
      // Checked here with the server's own schema, so a typo costs no round trip.
      const checked = FeedbackIn.safeParse(body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new CliError(`${issue.path.join('.') || 'feedback'}: ${issue.message}`, EXIT.usage);
      }
      const conn = await resolveConnection(g);
      const stored = await request(conn, '/v1/feedback', { body, schema: FeedbackOut });
      await print(g.format === 'md' ? feedbackSentence(stored) : jsonOutput(g.format, stored, [stored]));
    });

  feedback
    .command('keys')
    .description('list the feedback keys in use (the names `feedback.<key>` filters accept), with counts and average scores')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const conn = await resolveConnection(g);
      const list = await request(conn, '/v1/feedback/keys', { schema: FeedbackKeyList });
      await print(g.format === 'md' ? feedbackKeysTable(list) : jsonOutput(g.format, list, list.keys));
    });
}
