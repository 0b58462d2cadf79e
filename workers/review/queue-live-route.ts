/**
 * GET /v1/review-queues/{id}/live: a websocket on which the queue's watchers get its state
 * (progress, who is reviewing what, who has it open) whenever it changes. The Worker
 * authenticates the upgrade first (the session cookie a browser sends with it, or an API
 * key), refuses a cross-origin upgrade of a cookie session (cross-site websocket hijacking),
 * checks the queue belongs to the project, and only then hands the socket to the project's
 * review hub, which keeps it with the hibernation API.
 */
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { ApiError } from '../platform/errors.ts';
import { getQueue, hubFor } from './queues.ts';

export const queueLiveRoutes = newRouter();

queueLiveRoutes.get('/v1/review-queues/:id/live', requireAuth('read'), async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new ApiError(426, 'upgrade_required', 'this is a websocket endpoint: connect with Upgrade: websocket');
  const auth = c.get('auth');
  const origin = c.req.header('origin');
  if (auth.via === 'session' && origin && origin !== new URL(c.req.url).origin) throw new ApiError(403, 'csrf', `cross-origin websocket from ${origin} refused`);
  const q = await getQueue(c.env, auth.projectId, c.req.param('id'));
  const headers = new Headers({ upgrade: 'websocket', 'x-loupe-queue': q.id, 'x-loupe-user': auth.principalId });
  if (auth.email) headers.set('x-loupe-email', auth.email);
  return hubFor(c.env, auth.projectId).fetch(new Request('https://review-hub/live', { headers }));
});
