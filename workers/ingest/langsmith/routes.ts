/**
 * Every LangSmith-compatible route on one router, mounted by workers/app.ts at `/` and at
 * `/api/v1` (the SDKs accept either form of LANGSMITH_ENDPOINT).
 */
import { newRouter } from '../../platform/http.ts';
import { langsmithInfoRoutes } from './info-route.ts';
import { langsmithRunRoutes } from './runs-route.ts';
import { langsmithFeedbackRoutes } from './feedback-route.ts';

export const langsmithRoutes = newRouter();
langsmithRoutes.route('/', langsmithInfoRoutes);
langsmithRoutes.route('/', langsmithRunRoutes);
langsmithRoutes.route('/', langsmithFeedbackRoutes);
