import { describe, it, expect } from 'vitest';
import { exports } from 'cloudflare:workers';
import { onRequest } from '../web/functions/[[path]].ts';
import { makeProject } from './helpers.ts';
import { makeMember, PASSWORD } from './account-helpers.ts';

/** The Worker as the Pages project's `API` service binding sees it. */
const API = { fetch: (request: Request) => exports.default.fetch(request) };
const site = 'https://loupe-web.pages.dev';

describe('the Pages Function', () => {
  it('forwards API calls to the Worker on the same origin, so the login cookie works through Pages', async () => {
    const p = await makeProject('pages');
    const m = await makeMember(p.orgId, 'reviewer');
    const login = await onRequest({
      request: new Request(`${site}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: site }, body: JSON.stringify({ email: m.email, password: PASSWORD }) }),
      env: { API },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const { csrf_token } = (await login.json()) as { csrf_token: string };
    const session = await onRequest({ request: new Request(`${site}/v1/auth/session`, { headers: { cookie } }), env: { API } });
    expect(session.status).toBe(200);
    const write = await onRequest({
      request: new Request(`${site}/v1/feedback`, {
        method: 'POST',
        headers: { cookie, origin: site, 'x-loupe-csrf': csrf_token, 'content-type': 'application/json' },
        body: JSON.stringify({ trace_id: 't', key: 'thumbs', score: 1, source: 'human' }),
      }),
      env: { API },
    });
    expect(write.status).toBe(200);
  });

  it('answers 502 with a clear message when the service binding is missing', async () => {
    const res = await onRequest({ request: new Request(`${site}/v1/health`), env: {} as never });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('misconfigured');
  });
});
