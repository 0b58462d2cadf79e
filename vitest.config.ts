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
        // Deliver ingest batches quickly so tests wait milliseconds, not the 1 s deployed timeout.
        queueConsumers: {
          'loupe-ingest': { maxBatchSize: 20, maxBatchTimeout: 0.02, maxRetries: 5, deadLetterQueue: 'loupe-ingest-dlq' },
          'loupe-ingest-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
        },
        bindings: {
          SETUP_SECRET: 'test-setup-secret',
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
