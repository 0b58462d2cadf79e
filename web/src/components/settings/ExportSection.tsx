/**
 * Settings: the project exported to one JSONL file (POST /v1/exports). The every-minute
 * cron writes it to R2 in parts; the list shows each export's progress and, once done, a
 * download link (the file is kept 7 days). The same records as `loupe export`.
 */
import type { ExportJobOut } from '../../../../schema/wire/portability.ts';
import { api, currentProject, query } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { useAction } from '../../api/use-action.ts';
import { formatAgo, formatBytes } from '../../lib/format.ts';
import { Problem } from '../Problem.tsx';

/** Export jobs need the admin role; the section is shown to managers only. */
export function ExportSection() {
  const jobs = useApi<{ exports: ExportJobOut[] }>('/v1/exports');
  const action = useAction();
  const start = async () => {
    if (await action.run(() => api<ExportJobOut>('/v1/exports', { method: 'POST', body: {} }))) jobs.reload();
  };
  const list = jobs.data?.exports ?? [];
  return (
    <section className="card" aria-labelledby="export-h">
      <h2 id="export-h">Export</h2>
      <p className="muted">
        The whole project as one JSONL file: traces with their payloads, feedback, evaluators, rules, datasets, experiments and settings (never secrets). Written within a few minutes, kept 7
        days; a deletion that finishes later removes the file. Restore it into a new project with <code>loupe import</code>.
      </p>
      <div className="inline-form">
        <button type="button" className="button" onClick={start} disabled={action.busy}>
          Export the project
        </button>
        <button type="button" className="button subtle" onClick={() => jobs.reload()}>
          Refresh
        </button>
      </div>
      {list.length > 0 && (
        <table className="plain" aria-label="Exports">
          <thead>
            <tr>
              <th>Started</th>
              <th>Status</th>
              <th>Records</th>
              <th>Size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((job) => (
              <tr key={job.id}>
                <td title={job.created_at}>{formatAgo(job.created_at)}</td>
                <td title={job.error ?? undefined}>{job.status}</td>
                <td>{job.records.toLocaleString()}</td>
                <td>{formatBytes(job.bytes)}</td>
                <td>
                  {job.download && (
                    <a className="button subtle" href={`${job.download}${query({ project: currentProject() })}`} download>
                      Download
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Problem error={action.error ?? jobs.error ?? null} />
    </section>
  );
}
