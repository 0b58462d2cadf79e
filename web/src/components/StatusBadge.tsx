/** ok / error / unset as a coloured badge. */
export function StatusBadge({ status }: { status: 'ok' | 'error' | 'unset' }) {
  return <span className={`status status-${status}`}>{status === 'unset' ? 'running' : status}</span>;
}
