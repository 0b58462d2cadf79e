/**
 * The HTTP API: every resource router mounted on one app, the one error handler, and the
 * OpenAPI document generated from the routes' zod schemas.
 */
import { newRouter, onError } from './platform/http.ts';
import { ApiError } from './platform/errors.ts';
import { spansIngestRoutes } from './ingest/spans-route.ts';
import { otlpRoutes } from './ingest/otlp/otlp-route.ts';
import { langsmithRoutes } from './ingest/langsmith/routes.ts';
import { traceRoutes } from './store/traces-route.ts';
import { spanSearchRoutes } from './store/spans-route.ts';
import { feedbackRoutes } from './review/feedback-route.ts';
import { setupRoutes } from './tenancy/setup-route.ts';
import { apiKeyRoutes } from './tenancy/api-keys-route.ts';
import { renderReference } from './docs/reference-page.ts';
import { mcpRoutes } from './mcp/route.ts';
import { evaluatorTryRoutes } from './evals/evaluator-try-route.ts';
import { evaluatorRoutes } from './evals/evaluators-route.ts';
import { evaluatorTemplateRoutes } from './evals/evaluator-templates-route.ts';
import { providerRoutes } from './llm/providers-route.ts';
import { ruleRoutes } from './evals/rules-route.ts';
import { judgeTraceRoutes } from './evals/judge-traces-route.ts';
import { evalSettingsRoutes } from './llm/eval-settings-route.ts';
import { facetRoutes } from './store/facets-route.ts';
import { sessionRoutes } from './auth/session-route.ts';
import { memberRoutes } from './tenancy/members-route.ts';
import { inviteRoutes } from './tenancy/invites-route.ts';
import { projectRoutes } from './tenancy/projects-route.ts';
import { orgRoutes } from './tenancy/orgs-route.ts';
import { traceSpanRoutes } from './store/trace-span-route.ts';
import { attachmentRoutes } from './store/attachments-route.ts';
import { queueRoutes } from './review/queues-route.ts';
import { routingRuleRoutes } from './review/routing-rules-route.ts';
import { queueItemRoutes } from './review/queue-items-route.ts';
import { reviewRoutes } from './review/reviews-route.ts';
import { queueExportRoutes } from './review/queue-export-route.ts';
import { queueLiveRoutes } from './review/queue-live-route.ts';
import { datasetRoutes } from './datasets/routes.ts';
import { experimentRoutes } from './experiments/routes.ts';
import { calibrationRoutes } from './calibration/agreement-route.ts';
import { insightsRoutes } from './insights/routes.ts';
import { auditRoutes } from './tenancy/audit-route.ts';
import { passwordResetRoutes } from './tenancy/password-resets-route.ts';
import { secretRoutes } from './secrets/route.ts';
import { langsmithDatasetApi } from './datasets/langsmith-routes.ts';
import { langsmithSessionRoutes } from './experiments/langsmith-sessions-route.ts';
import { langsmithLinkRoutes } from './experiments/langsmith-link-route.ts';
import { alertRoutes } from './monitoring/alerts-route.ts';
import { redactionRoutes } from './ingest/redaction-route.ts';
import { lifecycleRoutes } from './lifecycle/routes.ts';
import { statsRoutes } from './monitoring/stats-route.ts';
import { threadRoutes } from './store/threads-route.ts';
import { portabilityRoutes } from './portability/routes.ts';
import { shardRoutes } from './portability/shards-route.ts';

export const app = newRouter();

app.onError(onError);
app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` } }, 404));

app.route('/', spansIngestRoutes);
app.route('/', otlpRoutes);
// LangSmith SDKs: LANGSMITH_ENDPOINT=<loupe> or <loupe>/api/v1.
app.route('/', langsmithRoutes);
app.route('/api/v1', langsmithRoutes);
// LangSmith datasets and experiment sessions: under /api/v1 only (the UI owns /datasets); see docs/datasets.md.
app.route('/api', langsmithDatasetApi);
app.route('/api/v1', langsmithSessionRoutes);
app.route('/', langsmithLinkRoutes);
// Before traceRoutes: /v1/traces/facets would otherwise match /v1/traces/{id}.
app.route('/', facetRoutes);
app.route('/', traceRoutes);
app.route('/', traceSpanRoutes);
app.route('/', threadRoutes);
app.route('/', attachmentRoutes);
app.route('/', spanSearchRoutes);
app.route('/', feedbackRoutes);
app.route('/', setupRoutes);
app.route('/', apiKeyRoutes);
app.route('/', mcpRoutes);
// Before evaluatorRoutes, so POST /v1/evaluators/try is never read as an evaluator id.
app.route('/', evaluatorTryRoutes);
app.route('/', evaluatorRoutes);
app.route('/', calibrationRoutes);
app.route('/', evaluatorTemplateRoutes);
app.route('/', providerRoutes);
app.route('/', ruleRoutes);
app.route('/', judgeTraceRoutes);
app.route('/', evalSettingsRoutes);
app.route('/', sessionRoutes);
app.route('/', memberRoutes);
app.route('/', inviteRoutes);
app.route('/', projectRoutes);
app.route('/', orgRoutes);
app.route('/', queueRoutes);
app.route('/', routingRuleRoutes);
app.route('/', queueItemRoutes);
app.route('/', reviewRoutes);
app.route('/', queueExportRoutes);
app.route('/', queueLiveRoutes);
app.route('/', datasetRoutes);
app.route('/', experimentRoutes);
app.route('/', insightsRoutes);
app.route('/', auditRoutes);
app.route('/', passwordResetRoutes);
app.route('/', secretRoutes);
app.route('/', alertRoutes);
app.route('/', redactionRoutes);
app.route('/', lifecycleRoutes);
app.route('/', statsRoutes);
app.route('/', portabilityRoutes);
app.route('/', shardRoutes);

app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
  type: 'http',
  scheme: 'bearer',
  description: 'A project API key, as `Authorization: Bearer <key>` (or the `x-api-key` header). The review UI uses a session cookie instead (POST /v1/auth/login), with the `x-loupe-csrf` header on writes and `x-loupe-project` to pick a project.',
});

const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Loupe',
    version: '1',
    description: 'Capture agent traces, enrich them with feedback and evaluations, and read them back. Filters use the Loupe filter language (docs/filter-language.md).',
  },
};

/** The OpenAPI 3.1 document for every documented route. */
export function openApiDocument() {
  return app.getOpenAPI31Document(OPENAPI_INFO);
}

app.get('/v1/openapi.json', (c) => c.json(openApiDocument()));
app.get('/v1/docs', (c) => c.html(renderReference(openApiDocument())));
app.get('/v1/health', (c) => c.json({ ok: true }));
app.all('/v1/*', () => {
  throw new ApiError(404, 'not_found', 'no such API route; see /v1/docs');
});
