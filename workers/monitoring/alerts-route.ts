/**
 * Alerts: GET/POST /v1/alerts, GET/PATCH/DELETE /v1/alerts/{id}, GET /v1/alerts/{id}/events.
 * Reads need `read`; changes need `admin` (an alert sends project figures to a URL).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { commonErrors, notFound } from '../platform/errors.ts';
import { AlertCreate, AlertEventOut, AlertOut, AlertPatch } from '../../schema/wire/alerts.ts';
import { alertOut, createAlert, deleteAlert, getAlert, listAlertEvents, listAlerts, updateAlert } from './alerts.ts';

export const alertRoutes = newRouter();

const Id = z.object({ id: z.string().min(1).max(64) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const auth = (c: { get(k: 'auth'): { projectId: string } }) => c.get('auth').projectId;

alertRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/alerts', tags: ['alerts'], summary: 'List alerts', security: [{ apiKey: [] }], middleware: [requireAuth('read')] as const, responses: { 200: json(z.object({ alerts: z.array(AlertOut) }), 'Alerts'), ...commonErrors } }),
  async (c) => c.json({ alerts: await listAlerts(c.env, auth(c)) }, 200),
);

alertRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/alerts',
    tags: ['alerts'],
    summary: 'Create an alert',
    description: 'Checked every minute: the metric over traces started in the last `window_minutes` (narrowed by `filter`). One signed notice when it starts firing, one when it recovers; none within `cooldown_minutes` of the last. The signing secret is in the answer, once.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: AlertCreate } }, required: true } },
    responses: { 201: json(AlertOut, 'Created'), ...commonErrors },
  }),
  async (c) => {
    const created = await createAlert(c.env, auth(c), c.req.valid('json'));
    await audit(c.env, c.get('auth'), 'alert.created', { type: 'alert', id: created.id, details: { name: created.name } });
    return c.json(created, 201);
  },
);

alertRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/alerts/{id}', tags: ['alerts'], summary: 'Get an alert', security: [{ apiKey: [] }], middleware: [requireAuth('read')] as const, request: { params: Id }, responses: { 200: json(AlertOut, 'The alert'), ...commonErrors, ...notFound } }),
  async (c) => c.json(alertOut(await getAlert(c.env, auth(c), c.req.valid('param').id)), 200),
);

alertRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/alerts/{id}',
    tags: ['alerts'],
    summary: 'Change an alert',
    description: 'The state (ok / firing) is kept; the next check compares with the new condition.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { params: Id, body: { content: { 'application/json': { schema: AlertPatch } }, required: true } },
    responses: { 200: json(AlertOut, 'Updated'), ...commonErrors, ...notFound },
  }),
  async (c) => {
    const out = await updateAlert(c.env, auth(c), c.req.valid('param').id, c.req.valid('json'));
    await audit(c.env, c.get('auth'), 'alert.updated', { type: 'alert', id: out.id });
    return c.json(out, 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: 'delete', path: '/v1/alerts/{id}', tags: ['alerts'], summary: 'Delete an alert and its history', security: [{ apiKey: [] }], middleware: [requireAuth('admin')] as const, request: { params: Id }, responses: { 200: json(z.object({ deleted: z.literal(true) }), 'Deleted'), ...commonErrors, ...notFound } }),
  async (c) => {
    await deleteAlert(c.env, auth(c), c.req.valid('param').id);
    await audit(c.env, c.get('auth'), 'alert.deleted', { type: 'alert', id: c.req.valid('param').id });
    return c.json({ deleted: true as const }, 200);
  },
);

alertRoutes.openapi(
  createRoute({ method: 'get', path: '/v1/alerts/{id}/events', tags: ['alerts'], summary: "An alert's notices, newest first", security: [{ apiKey: [] }], middleware: [requireAuth('read')] as const, request: { params: Id }, responses: { 200: json(z.object({ events: z.array(AlertEventOut) }), 'Notices'), ...commonErrors, ...notFound } }),
  async (c) => c.json({ events: await listAlertEvents(c.env, auth(c), c.req.valid('param').id) }, 200),
);
