/** Starting and reading Insights reports: shared by REST, MCP and the schedule. */
import { r2Key, checkRequest, getReportRow, insertReport, markFailed } from './reports.ts';
import { failureClusterId } from './job.ts';
import type { ClusterOut, ReportBody, ReportRow, ReportRun } from '../../schema/wire/insights.ts';
import type { ClusterReport, InsightsReport } from './engine/report.ts';
import { ApiError } from '../platform/errors.ts';
import { reportProvider } from './llm-path.ts';

/** A new report id: random (two reports started at once never share keys or rows). */
export function newReportId(): string {
  return `ir_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** Checks the request (400 naming the field), writes the row and starts the Workflow. */
export async function startReport(env: Env, projectId: string, body: ReportRun, source: 'api' | 'schedule', now = Date.now()): Promise<ReportRow> {
  const req = checkRequest(projectId, body, now);
  const providerId = body.offline ? null : await reportProvider(env, projectId, body.provider_id);
  const id = newReportId();
  const row = await insertReport(env, projectId, id, req, source, now);
  try {
    await env.INSIGHTS_WORKFLOW.create({ id, params: { projectId, reportId: id, request: req, now, providerId } });
  } catch (err) {
    await markFailed(env, projectId, id, `could not start the report job: ${err instanceof Error ? err.message : String(err)}`);
    throw new ApiError(503, 'unavailable', 'could not start the report job; try again');
  }
  return row;
}

function clusterOut(reportId: string, c: ClusterReport, prefix?: 't' | 'r'): ClusterOut {
  const id = prefix ? failureClusterId(prefix, c.id) : c.id;
  return { ...c, id, membership_filter: `insight.${reportId}=${id}`, children: c.children?.map((k) => clusterOut(reportId, k, prefix)) };
}

/** The finished report with membership filters, or null while it is not done. */
export async function readReport(env: Env, projectId: string, row: ReportRow): Promise<ReportBody | null> {
  if (row.status !== 'done') return null;
  const obj = await env.BLOBS.get(r2Key.report(projectId, row.id));
  if (!obj) return null;
  const r = (await obj.json()) as InsightsReport & { sample: ReportBody['sample']; method: ReportBody['method'] };
  return {
    ...r,
    intents: r.intents.map((c) => clusterOut(row.id, c)),
    failureClusters: { byTrajectory: r.failureClusters.byTrajectory.map((c) => clusterOut(row.id, c, 't')), byReview: r.failureClusters.byReview.map((c) => clusterOut(row.id, c, 'r')) },
    patterns: r.patterns.map((p, i) => ({ id: `p${i + 1}`, ...p, membership_filter: `insight.${row.id}=p${i + 1}` })),
  };
}

/** A cluster's or pattern's name in a finished report, or null when there is no such id. */
export function describeCluster(report: ReportBody, id: string): string | null {
  const pattern = report.patterns.find((p) => p.id === id);
  if (pattern) return `pattern ${id}: ${pattern.label}`;
  const walk = (cs: ClusterOut[]): ClusterOut | undefined => {
    for (const c of cs) {
      if (c.id === id) return c;
      const k = c.children && walk(c.children);
      if (k) return k;
    }
    return undefined;
  };
  const c = walk([...report.intents, ...report.failureClusters.byTrajectory, ...report.failureClusters.byReview]);
  return c ? `cluster ${id}: ${c.name}` : null;
}

export { getReportRow };
