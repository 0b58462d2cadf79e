/**
 * Every LangSmith dataset route on one router, mounted by workers/app.ts at `/api`: the
 * dataset and example routes answer under `/api/v1`, the multipart example writes at
 * `/api/v1/platform/...` (where the SDKs put them for an endpoint ending in /v1). Not at the
 * root: `/datasets` there is the UI's page.
 */
import { newRouter } from '../platform/http.ts';
import { langsmithDatasetRoutes } from './langsmith-datasets-route.ts';
import { langsmithExampleRoutes } from './langsmith-examples-route.ts';
import { langsmithExampleWriteRoutes } from './langsmith-examples-multipart.ts';

export const langsmithDatasetApi = newRouter();
langsmithDatasetApi.route('/v1', langsmithDatasetRoutes);
langsmithDatasetApi.route('/v1', langsmithExampleRoutes);
langsmithDatasetApi.route('/', langsmithExampleWriteRoutes);
