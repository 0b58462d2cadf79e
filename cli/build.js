// Bundles the CLI (cli/main.ts and what it imports from schema/) into one ESM file that
// runs on any Node >= 20 without type stripping. Run by `npm install` (prepare) and
// `npm run build:cli`; the output (cli/dist/) is not committed.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('./main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/loupe.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander, cli-progress) call require() for Node built-ins.
  banner: { js: "import { createRequire as __loupeRequire } from 'node:module'; const require = __loupeRequire(import.meta.url);" },
  logLevel: 'warning',
});
