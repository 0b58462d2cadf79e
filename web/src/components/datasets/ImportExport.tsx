/**
 * Export links (JSONL, CSV) for the version being viewed, and Import: a JSONL or CSV file
 * posted as it is to POST /v1/datasets/{id}/import (the API keeps the good lines as one
 * version and names each bad line; those errors are listed here).
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

/** Per-line errors as the import answers them; read loosely, as the route's shape is `{line, message}` or `{line, error}`. */
interface ImportAnswer {
  version?: number;
  added?: number;
  imported?: number;
  skipped?: number;
  errors?: { line?: number; path?: string; message?: string; error?: string }[];
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
      const n = res.added ?? res.imported;
      onImported(`Imported ${n ?? 'the good'} line${n === 1 ? '' : 's'}${res.version !== undefined ? ` as version ${res.version}` : ''}${res.errors?.length ? `; ${res.errors.length} bad` : ''}`);
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
      {!!answer?.errors?.length && (
        <ul className="import-errors error-text small" aria-label="Import errors">
          {answer.errors.slice(0, 20).map((e, i) => (
            <li key={i}>
              {e.line !== undefined ? `line ${e.line}: ` : ''}
              {e.message ?? e.error}
            </li>
          ))}
          {answer.errors.length > 20 && <li>…and {answer.errors.length - 20} more</li>}
        </ul>
      )}
    </div>
  );
}
