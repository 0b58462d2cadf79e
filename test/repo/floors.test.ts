/**
 * The import rule (docs/architecture.md, "Floors"): which room may import which, and no
 * circles anywhere. Read from the source's own import statements, so it holds as new
 * rooms land: a new folder under workers/ fails here until it is given its place.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '../..'));

/**
 * Rooms of the Worker and what each may import (besides itself and schema/). Ground floor
 * first; a room may only name rooms listed before it, so the order is the floor plan.
 */
const WORKER_ROOMS: [room: string, mayImport: string[]][] = [
  ['platform', []],
  ['stats', []],
  ['auth', ['platform']],
  ['tenancy', ['platform', 'auth']],
  ['docs', ['platform']],
  ['store', ['platform', 'auth']],
  ['llm', ['platform', 'auth', 'store']],
  ['ingest', ['platform', 'auth', 'store']],
  // monitoring (alerts) only reads the store.
  ['monitoring', ['platform', 'auth', 'store']],
  ['evals', ['platform', 'auth', 'store', 'llm', 'stats']],
  ['review', ['platform', 'auth', 'store', 'stats']],
  // lifecycle (retention, deletion) rewrites the store and tells the review hub to forget deleted traces.
  ['lifecycle', ['platform', 'auth', 'store', 'review']],
  // portability (export, import, rebuild from R2) reads every project table and writes through the store's ingest path.
  ['portability', ['platform', 'auth', 'store']],
  ['datasets', ['platform', 'auth', 'store', 'llm', 'stats', 'evals', 'review']],
  ['experiments', ['platform', 'auth', 'store', 'llm', 'stats', 'ingest', 'evals', 'review', 'datasets']],
  ['calibration', ['platform', 'auth', 'store', 'llm', 'stats', 'evals', 'review', 'datasets', 'experiments']],
  ['insights', ['platform', 'auth', 'store', 'llm', 'stats', 'evals', 'review', 'datasets']],
  // Key rotation re-seals every room's secrets, so it stands above them all.
  ['secrets', ['platform', 'auth', 'store', 'llm', 'monitoring', 'evals', 'experiments']],
  ['mcp', ['*']],
  // workers/app.ts and workers/index.ts wire everything.
  ['(entry)', ['*']],
];

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', '.wrangler', 'gen', 'test-artifacts', '__golden__', 'fixtures']);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file (static, re-exports and dynamic import() of a literal), resolved to repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    out.push(normalize(join(dirname(file), m[1])));
  }
  return out;
}

const files = ['workers', 'schema', 'web', 'cli', 'scripts', 'bench', 'test'].flatMap((d) => sources(d));
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Tests (beside their code or under test/) may reach fixtures and helpers anywhere; the rule is about product code. */
const isTest = (file: string) => /\.test\.tsx?$/.test(file) || file.startsWith('test/');

/** The room of a workers/ file: its first folder, or (entry) for the top-level files. */
function workerRoom(file: string): string | null {
  if (!file.startsWith('workers/')) return null;
  const parts = file.split('/');
  return parts.length === 2 ? '(entry)' : parts[1];
}

describe('the import rule', () => {
  it('every room under workers/ has a place on the floor plan', () => {
    const known = new Set(WORKER_ROOMS.map(([r]) => r));
    const rooms = new Set(files.map(workerRoom).filter((r): r is string => r !== null));
    expect([...rooms].filter((r) => !known.has(r))).toEqual([]);
  });

  it('the floor plan only points down: a room imports only rooms listed before it', () => {
    WORKER_ROOMS.forEach(([room, may], i) => {
      const below = new Set(WORKER_ROOMS.slice(0, i).map(([r]) => r));
      for (const r of may) if (r !== '*') expect(below.has(r), `${room} -> ${r}`).toBe(true);
    });
  });

  it('no import in workers/ runs from a lower floor to a higher one or sideways', () => {
    const allowed = new Map(WORKER_ROOMS.map(([r, may]) => [r, new Set(may)]));
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = workerRoom(file);
      if (!from || isTest(file)) continue;
      for (const target of targets) {
        const to = workerRoom(target);
        if (to === null) {
          if (!target.startsWith('schema/')) wrong.push(`${file} -> ${target} (the Worker imports only workers/ and schema/)`);
          continue;
        }
        const may = allowed.get(from)!;
        if (to !== from && !may.has('*') && !may.has(to)) wrong.push(`${file} -> ${target} (${from} may not import ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('schema/ stands on nothing, and the UI and the CLI stand on schema/ alone', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      if (isTest(file)) continue;
      const side = file.split('/')[0];
      for (const target of targets) {
        const to = target.split('/')[0];
        if (side === 'schema' && to !== 'schema') wrong.push(`${file} -> ${target}`);
        if ((side === 'web' || side === 'cli') && to === 'workers') wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no files import each other in a circle', () => {
    // Tarjan's strongly connected components over the file graph (type-only imports count).
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) circles.push(scc.sort());
      }
    };
    for (const f of graph.keys()) if (!idx.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it('reads the tree it checks (a sanity check on the scan itself)', () => {
    expect(graph.get('workers/index.ts')).toContain('workers/app.ts');
    expect(files.length).toBeGreaterThan(200);
    expect(relative(root, join(root, 'workers'))).toBe('workers');
  });
});
