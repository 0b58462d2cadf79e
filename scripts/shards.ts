/**
 * `npm run shards -- <command> [--url <loupe>]`: the operator's D1 shard commands
 * (docs/shards.md), calling the operator routes /v1/admin/shards/*.
 *
 *   list                      every shard: projects, whether new projects go there
 *   capacity                  every shard's size against its capacity, and spans it still holds
 *   move <project> <shard>    moves a project to another shard online, step after step until
 *                             done (run it again after an interruption: it resumes the move)
 *   status <project>          the project's shard and its latest moves
 *
 * Authorised by the instance's SETUP_SECRET: from the environment, else from .dev.vars
 * (what `npm start` made). The URL: --url, else LOUPE_URL, else http://localhost:8787.
 */
import { parseArgs } from 'node:util';
import { operatorCall, operatorUrl, setupSecret } from './operator-client.ts';

/** Measured D1 bytes per span with full text (bench/suites/shards.ts; docs/shards.md). */
const D1_BYTES_PER_SPAN = 2_121;

const USAGE = 'usage: npm run shards -- list | capacity | move <project id> <shard> | status <project id>  [--url <loupe url>]';

interface Shard {
  name: string;
  bound: boolean;
  placement: boolean;
  projects: number;
  moving: number;
  bytes: number | null;
  capacity: number | null;
  fill: number | null;
}

interface Move {
  id: string;
  project_id: string;
  from: string;
  to: string;
  state: 'running' | 'done' | 'failed';
  step: string;
  counts: Record<string, { copied?: number; verified?: number; checksum?: string }>;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' } } });
  const [command, ...args] = positionals;
  const url = operatorUrl(values.url);
  const secret = setupSecret();

  const call = <T>(method: string, path: string, body?: unknown) => operatorCall<T>(url, secret, method, path, body);

  const gb = (n: number | null) => (n === null ? '-' : `${(n / 1e9).toFixed(3)} GB`);
  switch (command) {
    case 'list': {
      const { shards } = await call<{ shards: Shard[] }>('GET', '/v1/admin/shards');
      console.log(['shard'.padEnd(14), 'projects'.padStart(8), 'moving'.padStart(7), '  new projects'].join(''));
      for (const s of shards) console.log([s.name.padEnd(14), String(s.projects).padStart(8), String(s.moving).padStart(7), `  ${!s.bound ? 'NOT BOUND' : s.placement ? 'yes' : 'no'}`].join(''));
      return;
    }
    case 'capacity': {
      const { shards } = await call<{ shards: Shard[] }>('GET', '/v1/admin/shards');
      console.log(['shard'.padEnd(14), 'size'.padStart(12), 'capacity'.padStart(12), 'fill'.padStart(8), '  room for spans (at 2,067 B/span)'].join(''));
      for (const s of shards) {
        const room = s.bytes !== null && s.capacity !== null ? Math.max(0, Math.floor((s.capacity - s.bytes) / D1_BYTES_PER_SPAN)) : null;
        const fill = s.fill === null ? '-' : `${(s.fill * 100).toFixed(1)}%`;
        console.log([s.name.padEnd(14), gb(s.bytes).padStart(12), gb(s.capacity).padStart(12), fill.padStart(8), `  ${room === null ? '-' : room.toLocaleString('en-US')}${s.fill !== null && s.fill > 1 ? '  FULL: move a project away' : ''}`].join(''));
      }
      return;
    }
    case 'move': {
      const [project, to] = args;
      if (!project || !to) throw new Error(USAGE);
      let move = await call<Move>('POST', '/v1/admin/shards/moves', { project_id: project, to });
      const started = Date.now();
      process.stderr.write(`move ${move.id}: ${move.project_id} from ${move.from} to ${move.to} (${move.step === 'mark' ? 'starting' : `resuming at ${move.step}`})\n`);
      while (move.state === 'running') {
        move = await call<Move>('POST', `/v1/admin/shards/moves/${move.id}/step`, {}).catch((err: Error) => {
          throw new Error(`${err.message}\nthe move is saved: run the same command again to resume it`);
        });
        const copied = Object.values(move.counts).reduce((n, c) => n + (c.copied ?? 0), 0);
        process.stderr.write(`${move.step}: ${copied} rows copied, ${Math.round((Date.now() - started) / 1000)} s\n`);
      }
      console.log(JSON.stringify({ ...move, seconds: (Date.now() - started) / 1000 }));
      if (move.state !== 'done') throw new Error(`move failed: ${move.error}; the project stays on ${move.from}`);
      return;
    }
    case 'status': {
      const [project] = args;
      if (!project) throw new Error(USAGE);
      console.log(JSON.stringify(await call('GET', `/v1/admin/shards/projects/${encodeURIComponent(project)}`), null, 2));
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

main().catch((err) => {
  console.error(String(err?.message ?? err));
  process.exit(1);
});
