/** A metric's estimate as the experiment pages show it: the value, its interval beneath in small print. */
import { formatInterval, formatMetric, type Interval, type MetricKind } from '../../lib/experiments.ts';

export function MetricValue({ mean, interval, kind, title }: { mean: number | null; interval: Interval | undefined; kind: MetricKind; title?: string }) {
  return (
    <span className="metric-value" title={title}>
      <span className="metric-mean">{formatMetric(mean, kind)}</span>
      {interval && <span className="metric-interval muted small"> {formatInterval(interval, kind)}</span>}
    </span>
  );
}
