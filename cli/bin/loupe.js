#!/usr/bin/env node
// The `loupe` command. Node >= 22.18 runs the TypeScript source directly (type stripping),
// so a checkout always runs what it holds. Older Node, and copies installed under
// node_modules (where Node refuses to strip types), run the bundle that `npm install`
// builds with esbuild (the `prepare` script: cli/build.js -> cli/dist/loupe.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const underNodeModules = /[/\\]node_modules[/\\]/.test(here);
const source = new URL('../main.ts', import.meta.url);
const bundle = new URL('../dist/loupe.mjs', import.meta.url);
const useSource = Boolean(process.features?.typescript) && !underNodeModules && existsSync(source);
if (!useSource && !existsSync(bundle)) {
  process.stderr.write('loupe: the CLI is not built for this Node version; run `npm install` (or `npm run build:cli`) in the Loupe checkout, or use Node >= 22.18\n');
  process.exit(1);
}
const { run } = await import(useSource ? source.href : bundle.href);
process.exitCode = await run(process.argv.slice(2));
