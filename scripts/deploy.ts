/**
 * `npm run deploy`: deploys Loupe to your own Cloudflare account in one go. Creates or
 * reuses the D1 database, R2 bucket and queues, writes the database id into wrangler.toml,
 * applies migrations remotely, sets missing secrets, deploys the Worker (which also serves
 * the review UI as static assets), deploys the review UI to Cloudflare Pages (web/, whose
 * Function forwards API paths to the Worker through a service binding), and prints the
 * bootstrap command. Needs `wrangler login` (or CLOUDFLARE_API_TOKEN) first.
 * It cannot run without a Cloudflare account; CI checks `wrangler deploy --dry-run` instead.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { repoRoot } from './local.ts';

const wrangler = `${repoRoot}node_modules/.bin/wrangler`;
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };

/** Runs wrangler; returns stdout, or throws with its output unless `allowFail`. */
function w(args: string[], opts: { input?: string; allowFail?: boolean; cwd?: string } = {}): { ok: boolean; out: string } {
  const res = spawnSync(wrangler, args, { cwd: opts.cwd ?? repoRoot, env, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const out = `${res.stdout}${res.stderr}`;
  if (res.status !== 0 && !opts.allowFail) throw new Error(`wrangler ${args.join(' ')} failed:\n${out}`);
  return { ok: res.status === 0, out };
}

/** Names every resource wrangler.toml binds, read from the file itself. */
async function resources() {
  const toml = await readFile(`${repoRoot}wrangler.toml`, 'utf8');
  const all = (re: RegExp) => [...toml.matchAll(re)].map((m) => m[1]);
  return {
    toml,
    // Every [[d1_databases]] block: `DB` (control + first shard) and the other shards.
    databases: [...toml.matchAll(/binding\s*=\s*"([^"]+)"\s*\n\s*database_name\s*=\s*"([^"]+)"/g)].map((m) => ({ binding: m[1], name: m[2] })),
    buckets: all(/bucket_name\s*=\s*"([^"]+)"/g),
    queues: [...new Set([...all(/^\s*queue\s*=\s*"([^"]+)"/gm), ...all(/dead_letter_queue\s*=\s*"([^"]+)"/g)])],
  };
}

async function main(): Promise<void> {
  if (!w(['whoami'], { allowFail: true }).ok) throw new Error('not logged in: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN) first');
  const { toml, databases, buckets, queues } = await resources();

  // One D1 database per shard binding, each created once and its id written into its own block.
  const list = JSON.parse(w(['d1', 'list', '--json']).out.replace(/^[^[]*/, '')) as { name: string; uuid: string }[];
  let updated = toml;
  for (const database of databases) {
    console.log(`D1 database ${database.name} (${database.binding})`);
    let id = list.find((d) => d.name === database.name)?.uuid;
    if (!id) {
      const created = w(['d1', 'create', database.name]).out;
      id = /database_id\s*=\s*"([0-9a-f-]{36})"/.exec(created)?.[1] ?? /"?database_id"?\s*[:=]\s*"([0-9a-f-]{36})"/.exec(created)?.[1];
      if (!id) throw new Error(`could not read the new database id from:\n${created}`);
    }
    const block = new RegExp(`(database_name\\s*=\\s*"${database.name}"\\s*\\n\\s*database_id\\s*=\\s*)"[^"]*"`);
    updated = updated.replace(block, `$1"${id}"`);
  }
  await writeFile(`${repoRoot}wrangler.toml`, updated);

  for (const bucket of buckets) {
    console.log(`R2 bucket ${bucket}`);
    const res = w(['r2', 'bucket', 'create', bucket], { allowFail: true });
    if (!res.ok && !/already exists|already own/i.test(res.out)) throw new Error(res.out);
  }
  for (const queue of queues) {
    console.log(`Queue ${queue}`);
    const res = w(['queues', 'create', queue], { allowFail: true });
    if (!res.ok && !/already (exists|taken)/i.test(res.out)) throw new Error(res.out);
  }

  // Every shard holds the full schema, so one migration set serves all of them.
  for (const database of databases) {
    console.log(`Applying D1 migrations remotely to ${database.binding}`);
    w(['d1', 'migrations', 'apply', database.binding, '--remote']);
  }

  console.log('Deploying the Worker (API + review UI as static assets; wrangler builds web/ first)');
  const deployed = w(['deploy']).out;
  const workerUrl = /https:\/\/[^\s]+\.workers\.dev/.exec(deployed)?.[0] ?? '<your worker URL>';

  // The review UI on Pages (web/wrangler.toml): same site, with a Pages Function that forwards
  // API paths to the Worker through the `API` service binding, so cookies stay first-party.
  const pagesProject = /^name\s*=\s*"([^"]+)"/m.exec(await readFile(`${repoRoot}web/wrangler.toml`, 'utf8'))![1];
  console.log(`Pages project ${pagesProject}`);
  const created = w(['pages', 'project', 'create', pagesProject, '--production-branch', 'main'], { allowFail: true });
  if (!created.ok && !/already exists|already taken|8000002/i.test(created.out)) throw new Error(created.out);
  const pages = w(['pages', 'deploy', '--project-name', pagesProject, '--branch', 'main', '--commit-dirty=true'], { cwd: `${repoRoot}web` }).out;
  // The deployment URL is https://<deployment>.<project subdomain>.pages.dev; the site's
  // production URL drops the deployment label (the subdomain may differ from the project
  // name when that name was taken on pages.dev).
  const subdomain = /https:\/\/[0-9a-f]+\.([a-z0-9-]+)\.pages\.dev/.exec(pages)?.[1];
  const url = subdomain ? `https://${subdomain}.pages.dev` : workerUrl;

  const secrets = w(['secret', 'list'], { allowFail: true }).out;
  const newSecrets: Record<string, string> = {};
  for (const [name, make] of [
    ['SETUP_SECRET', () => randomBytes(24).toString('base64url')],
    ['ENCRYPTION_KEY', () => randomBytes(32).toString('base64')],
  ] as const) {
    if (!secrets.includes(`"${name}"`)) {
      const value = process.env[name] ?? make();
      w(['secret', 'put', name], { input: value });
      newSecrets[name] = value;
    }
  }

  console.log(`\nLoupe is deployed: review UI and API at ${url}${url !== workerUrl ? ` (the Worker itself answers at ${workerUrl})` : ''}`);
  if (newSecrets.SETUP_SECRET) {
    console.log('Bootstrap it once (creates your organisation, owner login, a project and an API key):');
    console.log(`  curl -X POST ${url}/v1/setup -H "Authorization: Bearer ${newSecrets.SETUP_SECRET}" -H "content-type: application/json" \\`);
    console.log(`       -d '{"email":"you@example.com","password":"a long password","org_name":"My team"}'`);
    console.log('Keep SETUP_SECRET safe: it is not shown again.');
  }
}

main().catch((err) => {
  console.error(`deploy failed: ${err.message}`);
  process.exit(1);
});
