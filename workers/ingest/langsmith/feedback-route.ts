/**
 * POST /feedback (and /api/v1/feedback) in LangSmith's shape, so `Client.createFeedback`
 * works unchanged: the run becomes the span, its trace is found from the feedback's
 * `trace_id` or the runs Loupe has accepted, and feedback for a run that has not arrived
 * yet is kept until it does (never dropped). Answers with the feedback in LangSmith's shape.
 */
import { newRouter } from '../../platform/http.ts';
import { requireAuth } from '../../auth/middleware.ts';
import { readJson } from '../body.ts';
import { enforceIngestRateLimit } from '../rate-limit.ts';
import { feedbackAnswer } from './feedback.ts';
import { ingestFeedback } from './ingest.ts';

export const langsmithFeedbackRoutes = newRouter();

/** Feedback bodies are small; 1 MB leaves room for corrections. */
const MAX_FEEDBACK_BYTES = 1024 * 1024;

langsmithFeedbackRoutes.openAPIRegistry.registerPath({
  method: 'post',
  path: '/feedback',
  tags: ['langsmith'],
  summary: 'LangSmith: add feedback to a run',
  description:
    "LangSmith's feedback body (`run_id`, `trace_id`, `key`, `score`, `value`, `comment`, `correction`, `feedback_source`), as `Client.createFeedback` sends it. The run's span gets the feedback; feedback for a run that has not arrived yet is kept until it does. Loupe's own feedback API is POST /v1/feedback. Also served at /api/v1/feedback. Needs the `ingest` scope.",
  security: [{ apiKey: [] }],
  responses: {
    200: { description: 'The feedback, in LangSmith\'s shape' },
    400: { description: 'An invalid field, named by `error.path`' },
    401: { description: 'Missing or revoked key' },
    429: { description: 'Rate limited; see Retry-After' },
  },
});

langsmithFeedbackRoutes.post('/feedback', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const now = Date.now();
  const stored = await ingestFeedback(c.env, projectId, await readJson(c.req.raw, MAX_FEEDBACK_BYTES), now);
  return c.json(feedbackAnswer(stored.feedback, stored.id, stored.traceId, now), 200);
});
