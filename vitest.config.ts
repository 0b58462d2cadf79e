import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests run inside workerd with real local D1, R2, Queues and Durable Objects,
// configured from wrangler.toml; each test file gets isolated storage.
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./schema/migrations', import.meta.url))),
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts', 'schema/**/*.test.ts', 'workers/**/*.test.ts'],
    setupFiles: ['./test/apply-migrations.ts'],
  },
}));
