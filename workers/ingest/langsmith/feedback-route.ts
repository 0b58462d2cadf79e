/**
 * POST /feedback (and /api/v1/feedback) in LangSmith's shape, so `Client.createFeedback`
 * works unchanged: the run becomes the span, its trace is found from the feedback's
 * `trace_id` or the runs Loupe has accepted, and feedback for a run that has not arrived
 * yet is kept until it does (never dropped). Answers with the feedback in LangSmith's shape.
 */
import { newRouter } from '../../http/app.ts';
import { requireAuth } from '../../auth/middleware.ts';
import { readJson } from '../body.ts';
import { enforceIngestRateLimit } from '../rate-limit.ts';
import { feedbackAnswer } from './feedback.ts';
import { ingestFeedback } from './ingest.ts';

export const langsmithFeedbackRoutes = newRouter();

/** Feedback bodies are small; 1 MB leaves room for corrections. */
const MAX_FEEDBACK_BYTES = 1024 * 1024;

langsmithFeedbackRoutes.post('/feedback', requireAuth('ingest'), async (c) => {
  const projectId = c.get('auth').projectId;
  await enforceIngestRateLimit(c.env, projectId);
  const now = Date.now();
  const stored = await ingestFeedback(c.env, projectId, await readJson(c.req.raw, MAX_FEEDBACK_BYTES), now);
  return c.json(feedbackAnswer(stored.feedback, stored.id, stored.traceId, now), 200);
});
