/** ok / error / unset as a coloured badge; unset reads "running" while nothing has ended yet. */
export function StatusBadge({ status, ended = false }: { status: 'ok' | 'error' | 'unset'; ended?: boolean }) {
  return <span className={`status status-${status}`}>{status === 'unset' ? (ended ? 'unset' : 'running') : status}</span>;
}
