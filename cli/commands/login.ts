/** `loupe login`: check a server URL and API key, then save them for later commands. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ProjectOut } from '../../schema/wire/accounts.ts';
import { request } from '../client.ts';
import { normalizeUrl, readConfig, writeConfig } from '../config.ts';
import { CliError, EXIT } from '../errors.ts';
import { print } from '../output.ts';
import type { GlobalFlags } from '../flags.ts';

/** Asks one question on the terminal. */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Asks for a secret on the terminal without echoing it (raw mode: each key is read, none is printed). */
function askSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const finish = (err?: CliError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value.trim());
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new CliError('login cancelled', EXIT.usage));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
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
      if (!apiKey) apiKey = tty ? await askSecret('API key (input hidden): ') : await readStdin();
      if (!apiKey) throw new CliError('no API key: pass --api-key, set LOUPE_API_KEY, or pipe the key on standard input', EXIT.notFoundOrAuth);
      const conn = { url: normalizeUrl(url), apiKey };
      const project = await request(conn, '/v1/project', { schema: ProjectOut });
      const file = await writeConfig({ url: conn.url, api_key: apiKey });
      await print(`Logged in to ${conn.url}: project ${project.name} (${project.id}). Saved to ${file} (readable only by you).`);
    });
}
