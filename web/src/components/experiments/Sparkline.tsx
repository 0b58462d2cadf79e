/**
 * A metric over time as a small inline SVG line (no chart library: the UI ships none, and
 * a line with its points is all a table cell needs). Each point has a tooltip naming its
 * experiment and value.
 */
import { sparklinePath } from '../../lib/experiments.ts';

export interface SparkPoint {
  label: string;
  value: number | null;
  /** Shown in the tooltip; default the value. */
  text?: string;
}

export function Sparkline({ points, label, width = 140, height = 32 }: { points: readonly SparkPoint[]; label: string; width?: number; height?: number }) {
  const values = points.map((p) => p.value);
  const path = sparklinePath(values, width, height);
  if (!path) return <span className="muted small">no scores</span>;
  // The same scale as sparklinePath, so the points sit on the line.
  const coords = path.split(' ').map((s) => s.slice(1).split(',').map(Number));
  let k = 0;
  return (
    <svg className="sparkline" role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <path d={path} fill="none" stroke="currentColor" strokeWidth={1.5} />
      {points.map((p, i) => {
        if (p.value === null || !Number.isFinite(p.value)) return null;
        const [x, y] = coords[k++];
        return (
          <circle key={i} cx={x} cy={y} r={i === points.length - 1 ? 2.8 : 1.8} fill="currentColor">
            <title>{`${p.label}: ${p.text ?? p.value}`}</title>
          </circle>
        );
      })}
    </svg>
  );
}
