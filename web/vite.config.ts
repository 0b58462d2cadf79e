/**
 * Vite builds the review UI into web/dist: served by the Worker's static assets locally
 * (wrangler.toml [assets]) and by Cloudflare Pages when deployed (web/wrangler.toml).
 * `npm run dev:web` serves it with hot reload against a Loupe on LOUPE_URL (default :8787).
 */
import { defineConfig } from 'vite';

const api = process.env.LOUPE_URL ?? 'http://127.0.0.1:8787';
const apiPaths = ['/v1', '/otel', '/api', '/mcp', '/info', '/runs', '/feedback'];

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      // react-router marks its modules "use client" for React Server Components; a static SPA has none.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: Object.fromEntries(apiPaths.map((p) => [p, { target: api, changeOrigin: false }])) },
});
