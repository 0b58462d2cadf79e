/**
 * GET /info (and /api/v1/info): what the LangSmith SDKs ask a server before tracing. The
 * answer tells them to batch runs into POST /runs/multipart, that gzip bodies are welcome
 * (zstd is not: Workers' DecompressionStream has no zstd), and how large a batch may be
 * (below MAX_INGEST_BYTES, since the limit applies after decompression). It also says
 * dataset examples are written through the multipart platform route
 * (workers/datasets/langsmith-examples-multipart.ts), the SDKs' only write path for them.
 */
import { newRouter } from '../../platform/http.ts';
import { ingestLimits } from '../spans-route.ts';

export const langsmithInfoRoutes = newRouter();

/** Runs per multipart request the SDKs are told to send at most. */
export const RUNS_PER_BATCH = 500;

/** The server info document, in LangSmith's shape. */
export function serverInfo(env: Env) {
  const { maxBytes } = ingestLimits(env);
  return {
    version: '0.12.0',
    license_expiration_time: null,
    batch_ingest_config: {
      use_multipart_endpoint: true,
      scale_up_qsize_trigger: 1000,
      scale_up_nthreads_limit: 16,
      scale_down_nempty_trigger: 4,
      size_limit: RUNS_PER_BATCH,
      size_limit_bytes: Math.floor(maxBytes * 0.8),
    },
    instance_flags: {
      gzip_body_enabled: true,
      zstd_compression_enabled: false,
      dataset_examples_multipart_enabled: true,
      examples_multipart_enabled: false,
    },
    tenant_handle: null,
    customer_info: { customer_name: 'Loupe' },
  };
}

langsmithInfoRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/info',
  tags: ['langsmith'],
  summary: 'LangSmith: server info',
  description: 'What the LangSmith SDKs read before tracing: send runs to POST /runs/multipart in batches of at most 500 runs, gzip welcome. No key needed. Also served at /api/v1/info.',
  responses: { 200: { description: "The server info document, in LangSmith's shape" } },
});

langsmithInfoRoutes.get('/info', (c) => c.json(serverInfo(c.env)));
