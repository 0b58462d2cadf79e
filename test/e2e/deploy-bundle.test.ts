import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

describe('deploying', () => {
  it('wrangler deploy --dry-run bundles the Worker under the 3 MB (gzip) free-plan limit', () => {
    const out = mkdtempSync(join(tmpdir(), 'loupe-bundle-'));
    try {
      const res = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out], { encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
      expect(res.status, res.stdout + res.stderr).toBe(0);
      const bundle = readdirSync(out).find((f) => f.endsWith('.js'));
      expect(bundle).toBeDefined();
      const bytes = readFileSync(join(out, bundle!));
      expect(statSync(join(out, bundle!)).size).toBeGreaterThan(10_000);
      expect(gzipSync(bytes).length).toBeLessThan(3 * 1024 * 1024);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
