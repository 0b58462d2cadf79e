/**
 * The links the LangSmith SDKs print, opened in Loupe's UI. evaluate() prints
 * `<host>/o/<tenant>/datasets/<dataset>/compare?selectedSessions=<experiment ids>`, with
 * `<host>` the endpoint minus `/api/v1`; this answers it with a redirect to Loupe's compare
 * page for those experiments. No key needed: it reveals nothing, the page itself asks for
 * a login. Served at the root (wrangler.toml routes `/o/*` to the Worker first).
 */
import { newRouter } from '../platform/http.ts';
import { ApiError } from '../platform/errors.ts';
import { compareLink } from '../../schema/render/experiments.ts';

export const langsmithLinkRoutes = newRouter();

langsmithLinkRoutes.openAPIRegistry.registerPath({
  method: 'get',
  path: '/o/{tenant}/datasets/{dataset}/compare',
  tags: ['langsmith'],
  summary: 'LangSmith: open an experiment comparison link',
  description: "The link evaluate() prints: redirects to the UI's `/experiments/compare?ids=<selectedSessions>`.",
  responses: { 302: { description: 'To the compare page' }, 400: { description: 'No selectedSessions' } },
});

/** Experiment ids are UUIDs (they double as LangSmith session ids). */
const ID = /^[0-9a-f-]{1,64}$/i;

langsmithLinkRoutes.get('/o/:tenant/datasets/:dataset/compare', (c) => {
  const ids = (c.req.queries('selectedSessions') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (!ids.length || !ids.every((id) => ID.test(id))) throw new ApiError(400, 'invalid_request', 'selectedSessions: one or more experiment ids', 'selectedSessions');
  return c.redirect(compareLink('', ids), 302);
});
