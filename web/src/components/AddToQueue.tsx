/**
 * "Add to queue": picks one of the project's annotation queues and adds a trace (the trace
 * page) or every trace a filter matches (the traces page, bulk, up to `limit`).
 */
import { useState } from 'react';
import type { QueueOut } from '../../../schema/wire/review.ts';
import { api } from '../api/client.ts';
import { useApi } from '../api/use-api.ts';

interface Props {
  /** One trace... */
  traceId?: string;
  /** ...or every trace matching this filter (and time range). */
  filter?: { q: string; from?: number | string | null; to?: number | string | null };
}

export function AddToQueue({ traceId, filter }: Props) {
  const queues = useApi<{ queues: QueueOut[] }>('/v1/review-queues');
  const [queueId, setQueueId] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!queues.data?.queues.length) return null;
  const add = async () => {
    if (!queueId) return setMessage({ ok: false, text: 'Pick a queue' });
    setBusy(true);
    setMessage(null);
    try {
      const body = traceId ? { trace_ids: [traceId] } : { filter: filter?.q ?? '', ...(filter?.from ? { from: filter.from } : {}), ...(filter?.to ? { to: filter.to } : {}), limit: 1000 };
      const res = await api<{ matched: number; added: number; already_queued: number }>(`/v1/review-queues/${encodeURIComponent(queueId)}/items`, { body });
      const name = queues.data!.queues.find((q) => q.id === queueId)?.name;
      setMessage({ ok: true, text: traceId ? (res.added ? `Added to ${name}` : `Already in ${name}`) : `Added ${res.added} of ${res.matched} to ${name}${res.already_queued ? ` (${res.already_queued} already there)` : ''}` });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="add-to-queue">
      <select aria-label={traceId ? 'Queue for this trace' : 'Queue for matching traces'} value={queueId} onChange={(e) => setQueueId(e.target.value)}>
        <option value="">{traceId ? 'Add to queue…' : 'Add matches to queue…'}</option>
        {queues.data.queues.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </select>
      <button type="button" className="button" disabled={busy || !queueId} onClick={() => void add()}>
        {traceId ? 'Add' : 'Add all matches'}
      </button>
      {message && (
        <span className={message.ok ? 'ok-note small' : 'error-text small'} role="status">
          {message.text}
        </span>
      )}
    </span>
  );
}
