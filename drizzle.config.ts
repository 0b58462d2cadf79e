import { defineConfig } from 'drizzle-kit';

// drizzle-kit writes SQL migrations here; wrangler applies them (migrations_dir in wrangler.toml).
export default defineConfig({
  dialect: 'sqlite',
  schema: './schema/db/index.ts',
  out: './schema/migrations',
});
