/**
 * `npm run soak [-- crash|fuzz|load ...]`: the long fault and load runs (issue 16), each against
 * its own real local Loupe, one after the other (they would share the machine's 2 cores
 * otherwise). Without names, all of them. Exits non-zero if any suite found a failure.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SUITES = ['crash', 'fuzz', 'load'];
const asked = process.argv.slice(2);
for (const name of asked) if (!SUITES.includes(name)) throw new Error(`unknown soak suite '${name}' (have: ${SUITES.join(', ')})`);
let failed = false;
for (const name of asked.length ? asked : SUITES) {
  console.log(`[soak] ${name}`);
  const res = spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))], { stdio: 'inherit', env: process.env });
  if (res.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
