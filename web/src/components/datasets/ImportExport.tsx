/**
 * Export links (JSONL, CSV) for the version being viewed, and Import: a JSONL or CSV file
 * posted as it is to POST /v1/datasets/{id}/import (the API keeps the good lines as one
 * version and names each bad line, with its field and reason; those are listed here).
 */
import { useRef, useState } from 'react';
import { api, currentProject, query } from '../../api/client.ts';
import { Problem } from '../Problem.tsx';

interface Props {
  datasetId: string;
  /** The version (or tag) being viewed; exports read the same one. */
  at: { version?: number; tag?: string };
  /** Import writes a new version, so only at the latest. */
  canImport: boolean;
  onImported(message: string): void;
}

/** What POST .../import answers: the version written, lines imported and unchanged (same id, same content), and the first line errors. */
interface ImportAnswer {
  version: number;
  imported: number;
  unchanged: number;
  error_count: number;
  errors: { line: number; field: string | null; reason: string }[];
}

const typeOf = (name: string) => (/\.csv$/i.test(name) ? 'text/csv' : 'application/x-ndjson');

export function ImportExport({ datasetId, at, canImport, onImported }: Props) {
  const base = `/v1/datasets/${encodeURIComponent(datasetId)}`;
  const link = (format: 'jsonl' | 'csv') => `${base}/export${query({ format, version: at.version, tag: at.tag, project: currentProject() })}`;
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);

  const upload = async (f: File) => {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      const format = /\.csv$/i.test(f.name) ? 'csv' : 'jsonl';
      const res = await api<ImportAnswer>(`${base}/import${query({ format })}`, { body: new Blob([f], { type: typeOf(f.name) }) });
      setAnswer(res);
      onImported(`Imported ${res.imported} example${res.imported === 1 ? '' : 's'} as version ${res.version}${res.unchanged ? `, ${res.unchanged} unchanged` : ''}${res.error_count ? `; ${res.error_count} bad line${res.error_count === 1 ? '' : 's'} left out` : ''}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
      if (file.current) file.current.value = '';
    }
  };

  return (
    <div className="import-export">
      <a className="button subtle" href={link('jsonl')} download>
        Export JSONL
      </a>
      <a className="button subtle" href={link('csv')} download>
        Export CSV
      </a>
      {canImport && (
        <label className="button subtle file-button">
          {busy ? 'Importing…' : 'Import JSONL/CSV'}
          <input ref={file} type="file" accept=".jsonl,.ndjson,.json,.csv" aria-label="Import file" disabled={busy} onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} hidden />
        </label>
      )}
      <Problem error={error} />
      {!!answer?.errors.length && (
        <ul className="import-errors error-text small" aria-label="Import errors">
          {answer.errors.map((e) => (
            <li key={e.line}>
              line {e.line}: {e.field ? `${e.field}: ` : ''}
              {e.reason}
            </li>
          ))}
          {answer.error_count > answer.errors.length && <li>…and {answer.error_count - answer.errors.length} more</li>}
        </ul>
      )}
    </div>
  );
}
