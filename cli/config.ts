/**
 * Where the CLI finds its server and key: flags first, then LOUPE_URL / LOUPE_API_KEY,
 * then the file `loupe login` writes ($XDG_CONFIG_HOME/loupe/config.json, else
 * ~/.config/loupe/config.json, mode 0600 because it holds a secret).
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './errors.ts';

/** What `loupe login` saves. */
export interface SavedConfig {
  url?: string;
  api_key?: string;
}

/** A server and a key to call it with. */
export interface Connection {
  url: string;
  apiKey: string;
}

type Env = Record<string, string | undefined>;

/** The config file's path. */
export function configPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'loupe', 'config.json');
}

/** The saved config, or {} when there is none. A file that is not JSON is an error worth seeing. */
export async function readConfig(env: Env = process.env): Promise<SavedConfig> {
  const file = configPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as SavedConfig;
    return typeof parsed === 'object' && parsed ? parsed : {};
  } catch {
    throw new CliError(`${file} is not valid JSON; fix it or run \`loupe login\` again`, EXIT.usage);
  }
}

/** Saves the config readable by its owner only (written to a temporary file, then renamed). */
export async function writeConfig(config: SavedConfig, env: Env = process.env): Promise<string> {
  const file = configPath(env);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return file;
}

/** A server URL without trailing slashes; anything but http(s) is a usage error. */
export function normalizeUrl(raw: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new CliError(`'${raw}' has no http:// or https://; did you mean http://${raw}?`, EXIT.usage);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`'${raw}' is not a URL; give the server's address, e.g. http://127.0.0.1:8787`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`'${raw}' must start with http:// or https://`, EXIT.usage);
  return url.toString().replace(/\/+$/, '');
}

/** The server URL alone (enough for `loupe open`). */
export async function resolveUrl(flags: { url?: string }, env: Env = process.env): Promise<string> {
  const url = flags.url || env.LOUPE_URL || (await readConfig(env)).url;
  if (!url) throw new CliError('no Loupe server configured: pass --url, set LOUPE_URL, or run `loupe login`', EXIT.usage);
  return normalizeUrl(url);
}

/** The server and key, by precedence: flags, environment, saved config. */
export async function resolveConnection(flags: { url?: string; apiKey?: string }, env: Env = process.env): Promise<Connection> {
  const saved = flags.url && flags.apiKey ? {} : await readConfig(env);
  const url = flags.url || env.LOUPE_URL || saved.url;
  const apiKey = flags.apiKey || env.LOUPE_API_KEY || saved.api_key;
  if (!url) throw new CliError('no Loupe server configured: pass --url, set LOUPE_URL, or run `loupe login`', EXIT.usage);
  if (!apiKey) throw new CliError('no API key: pass --api-key, set LOUPE_API_KEY, or run `loupe login`', EXIT.notFoundOrAuth);
  return { url: normalizeUrl(url), apiKey };
}
