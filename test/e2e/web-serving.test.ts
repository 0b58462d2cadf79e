import { describe, it, expect, inject } from 'vitest';

const loupe = inject('loupe');

describe('one process serves the review UI beside the API', () => {
  it('serves the app for UI routes (deep links included) and JSON for API routes', async () => {
    for (const path of ['/', '/traces', '/traces/taubench-airline-1-0?span=x', '/settings', '/login', '/invite/abc']) {
      const res = await fetch(`${loupe.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
      expect(await res.text(), path).toContain('<div id="root">');
    }
    const api = await fetch(`${loupe.url}/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as any).error.code).toBe('not_found');
    const traces = await fetch(`${loupe.url}/v1/traces`);
    expect(traces.status).toBe(401);
  });

  it('sends a Content-Security-Policy that allows no inline or foreign script', async () => {
    const res = await fetch(`${loupe.url}/traces`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it("serves React's production build, even when built from inside the test runner (NODE_ENV=test)", async () => {
    const html = await (await fetch(`${loupe.url}/traces`)).text();
    const entry = /<script[^>]+src="(\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const js = await (await fetch(`${loupe.url}${entry}`)).text();
    // The development JSX runtime (jsxDEV) costs several times the script time per render.
    expect(js.includes('jsxDEV'), 'the bundle uses the development JSX runtime').toBe(false);
  });
});
