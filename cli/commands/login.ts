/** `loupe login`: check a server URL and API key, then save them for later commands. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ProjectOut } from '../../schema/wire/project.ts';
import { request } from '../client.ts';
import { normalizeUrl, readConfig, writeConfig } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { print } from '../output.ts';
import type { GlobalFlags } from '../main.ts';

/** Asks one question on the terminal; with `secret`, typed characters are not echoed. */
async function ask(question: string, secret = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    // readline echoes through _writeToOutput; print the prompt only, never the key.
    const rlAny = rl as unknown as { _writeToOutput: (s: string) => void };
    rlAny._writeToOutput = (s: string) => {
      if (s.startsWith(question) || s === '\r\n' || s === '\n') process.stderr.write(s.startsWith(question) ? question : '\n');
    };
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** All of standard input (for `echo $KEY | loupe login --url ...`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Registers `loupe login`. */
export function loginCommand(program: Command): void {
  program
    .command('login')
    .description('check a server URL and API key and save them (flags, then LOUPE_URL/LOUPE_API_KEY, then prompts; a key can also come on standard input)')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalFlags>();
      const saved = await readConfig();
      const tty = process.stdin.isTTY;
      let url = g.url || process.env.LOUPE_URL;
      if (!url && tty) url = (await ask(`Loupe URL${saved.url ? ` [${saved.url}]` : ''}: `)) || saved.url;
      if (!url) throw new CliError('no URL: pass --url (or set LOUPE_URL)', EXIT.usage);
      let apiKey = g.apiKey || process.env.LOUPE_API_KEY;
      if (!apiKey) apiKey = tty ? await ask('API key (input hidden): ', true) : await readStdin();
      if (!apiKey) throw new CliError('no API key: pass --api-key, set LOUPE_API_KEY, or pipe the key on standard input', EXIT.notFoundOrAuth);
      const conn = { url: normalizeUrl(url), apiKey };
      const project = await request(conn, '/v1/project', { schema: ProjectOut });
      const file = await writeConfig({ url: conn.url, api_key: apiKey });
      await print(`Logged in to ${conn.url}: project ${project.name} (${project.id}). Saved to ${file} (readable only by you).`);
    });
}
