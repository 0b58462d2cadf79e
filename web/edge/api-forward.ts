/**
 * The Pages Function side of the review site: requests for API paths go to the Loupe
 * Worker through the `API` service binding (web/wrangler.toml), unchanged, so the browser
 * talks to one origin and the session cookie stays first-party. Static files never reach
 * this code: public/_routes.json sends only the API paths to Functions.
 * Lives outside functions/ because every file there becomes a Pages route.
 */

/** The paths the Worker answers; everything else is the static site. Keep in sync with
 * run_worker_first in wrangler.toml and web/public/_routes.json. */
export const API_PATHS = ['/v1/*', '/otel/*', '/api/*', '/mcp', '/mcp/*', '/info', '/runs', '/runs/*', '/feedback', '/feedback/*', '/o/*'];

/** The bindings the Pages project has. */
export interface PagesEnv {
  API: { fetch(request: Request): Promise<Response> };
}

/** The slice of Pages' EventContext this function reads. */
export interface ForwardContext {
  request: Request;
  env: PagesEnv;
}

/** Forwards the request to the Worker as it came (method, URL, headers with cookies, body). */
export async function forwardToWorker({ request, env }: ForwardContext): Promise<Response> {
  if (!env.API) return new Response(JSON.stringify({ error: { code: 'misconfigured', message: 'the Pages project has no API service binding to the Loupe Worker' } }), { status: 502, headers: { 'content-type': 'application/json' } });
  return env.API.fetch(new Request(request));
}
