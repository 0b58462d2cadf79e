import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * Three test projects:
 * - `workers`: runs inside workerd with real local D1, R2, Queues and Durable Objects,
 *   configured from wrangler.toml; each test file gets isolated storage.
 * - `e2e`: runs in Node against a real `wrangler dev` (started once by
 *   test/e2e/global-setup.ts, demo loaded) for real clients: SDKs, the CLI, a browser.
 * - `repo`: checks over the source tree itself (the import rule), in Node.
 */
export default defineConfig(async () => ({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            remoteBindings: false,
            miniflare: {
              // Deliver ingest batches quickly so tests wait milliseconds, not the 1 s deployed timeout.
              queueConsumers: {
                'loupe-ingest': { maxBatchSize: 20, maxBatchTimeout: 0.02, maxRetries: 5, deadLetterQueue: 'loupe-ingest-dlq' },
                'loupe-ingest-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
                'loupe-evals': { maxBatchSize: 50, maxBatchTimeout: 0.02, maxRetries: 10, deadLetterQueue: 'loupe-evals-dlq' },
                'loupe-evals-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
                'loupe-review': { maxBatchSize: 100, maxBatchTimeout: 0.02, maxRetries: 10, deadLetterQueue: 'loupe-review-dlq' },
                'loupe-review-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
                'loupe-experiments': { maxBatchSize: 1, maxBatchTimeout: 0.02, maxRetries: 10, deadLetterQueue: 'loupe-experiments-dlq' },
                'loupe-experiments-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
                'loupe-datasets': { maxBatchSize: 20, maxBatchTimeout: 0.02, maxRetries: 10, deadLetterQueue: 'loupe-datasets-dlq' },
                'loupe-datasets-dlq': { maxBatchSize: 20, maxBatchTimeout: 0.02 },
              },
              bindings: {
                SETUP_SECRET: 'test-setup-secret',
                ENCRYPTION_KEY: 'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=',
                // A short quiet period and few attempts keep evaluation tests to seconds.
                TRACE_QUIET_SECONDS: '1',
                EVAL_MAX_ATTEMPTS: '3',
                // Small Insights chunks: a 200-trace report runs several summarise/assign/members steps.
                INSIGHTS_CHUNK: '60',
                // R2's smallest part size: a test export of a few MB already spans several parts.
                EXPORT_PART_BYTES: '5242880',
                // Existing tests expect their projects on DB; test/shards.test.ts places on all three.
                SHARDS_FOR_NEW_PROJECTS: 'DB',
                // Moves wait 2x this after each change of the shard map: milliseconds in tests.
                SHARD_MAP_TTL_MS: '50',
                TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./schema/migrations', import.meta.url))),
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts', 'schema/**/*.test.ts', 'workers/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/node/**', 'test/repo/**'],
          setupFiles: ['./test/apply-migrations.ts'],
          // Tests wait on real queues and Workflows, which on 2 shared cores can take seconds;
          // a hang still fails, just later than vitest's 5 s default (speed is for bench/).
          testTimeout: 30_000,
          // A fake OpenAI / Anthropic / webhook server in Node, reached by the Worker over 127.0.0.1.
          globalSetup: ['./test/node/workers-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'repo',
          environment: 'node',
          include: ['test/repo/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          // Browsers and wrangler share 2 cores with everything else: give polls room.
          expect: { poll: { timeout: 10_000 } },
          hookTimeout: 120_000,
          // One local Loupe serves every e2e file; files run one at a time to keep 2 cores sane.
          fileParallelism: false,
        },
      },
    ],
  },
}));
