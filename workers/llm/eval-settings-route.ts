/** GET/PUT /v1/eval-settings: the project's daily judge budget and today's spend. Reads `read`, changes `admin`. */
import { createRoute } from '@hono/zod-openapi';
import { newRouter } from '../platform/http.ts';
import { requireAuth } from '../auth/middleware.ts';
import { audit } from '../auth/audit.ts';
import { EvalSettingsIn, EvalSettingsOut } from '../../schema/wire/eval-settings.ts';
import { spendCaps, spendToday, updateSpendCaps } from './spend.ts';
import { commonErrors } from '../platform/errors.ts';

export const evalSettingsRoutes = newRouter();

async function settings(env: Env, projectId: string) {
  const caps = await spendCaps(env, projectId);
  return { daily_spend_cap_usd: caps.dailySpendCapUsd, daily_judge_call_cap: caps.dailyJudgeCallCap, today: await spendToday(env, projectId) };
}

evalSettingsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/eval-settings',
    tags: ['rules'],
    summary: 'Get the daily judge budget',
    description: 'Caps on judge calls and their cost (USD, from provider prices) per UTC day, and what was used today. At the cap, judge jobs are skipped with `spend_cap` in the run log.',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('read')] as const,
    responses: { 200: { description: 'Settings', content: { 'application/json': { schema: EvalSettingsOut } } }, ...commonErrors },
  }),
  async (c) => c.json(await settings(c.env, c.get('auth').projectId), 200),
);

evalSettingsRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/v1/eval-settings',
    tags: ['rules'],
    summary: 'Set the daily judge budget',
    description: 'null restores the instance default (EVAL_DAILY_SPEND_CAP_USD, EVAL_DAILY_JUDGE_CALLS).',
    security: [{ apiKey: [] }],
    middleware: [requireAuth('admin')] as const,
    request: { body: { content: { 'application/json': { schema: EvalSettingsIn } }, required: true } },
    responses: { 200: { description: 'Settings', content: { 'application/json': { schema: EvalSettingsOut } } }, ...commonErrors },
  }),
  async (c) => {
    const projectId = c.get('auth').projectId;
    await updateSpendCaps(c.env, projectId, c.req.valid('json'));
    await audit(c.env, c.get('auth'), 'eval_settings.updated', { type: 'eval_settings', details: c.req.valid('json') });
    return c.json(await settings(c.env, projectId), 200);
  },
);
