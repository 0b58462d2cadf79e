import { env, exports } from 'cloudflare:workers';
import { it, expect } from 'vitest';
it('fts5 contentless delete works', async () => {
  await env.DB.prepare("insert into spans_fts(rowid, body) values (1, 'hello refund world')").run();
  await env.DB.prepare("insert or replace into spans_fts(rowid, body) values (1, 'goodbye')").run();
  const r = await env.DB.prepare("select rowid from spans_fts where spans_fts match 'refund'").all();
  expect(r.results.length).toBe(0);
  const r2 = await env.DB.prepare("select rowid from spans_fts where spans_fts match 'goodbye'").all();
  expect(r2.results.length).toBe(1);
  const res = await exports.default.fetch('http://x/');
  expect(res.status).toBe(200);
});
