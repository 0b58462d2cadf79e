/**
 * One dashboard chart: a uPlot line chart over time buckets, in the page's colours (light or
 * dark, redrawn when the theme changes), as wide as its container (ResizeObserver, so a
 * phone gets a phone-wide chart), where clicking a point opens the traces behind it. Under
 * it, a table of the same figures whose cells link to the same traces, for keyboard and
 * screen-reader users (a canvas is neither focusable nor readable).
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line on the chart. */
export interface ChartLine {
  label: string;
  /** One value per bucket of the chart's `x`; null leaves a gap (no traces there). */
  values: (number | null)[];
  /** Dashed (e.g. a percentile beside the main one). */
  dash?: boolean;
}

interface Props {
  title: string;
  /** Bucket starts, epoch ms (UTC), oldest first. */
  x: number[];
  lines: ChartLine[];
  /** How a value reads on the axis, in the legend and in the table. */
  format(v: number | null): string;
  /** The /traces link of line `line` at bucket `index`. */
  linkFor(line: number, index: number): string;
  /** Follows a point (the page navigates to linkFor's target). */
  onPoint(line: number, index: number): void;
  /** Buckets the table lists (those with traces); every bucket when absent. */
  present?: boolean[];
  /** Pin the y axis' floor at 0 (counts, rates). */
  fromZero?: boolean;
  /** Beside the title: a key picker, a percentile picker. */
  controls?: ReactNode;
  /** Under the title: the figure over the whole range. */
  summary?: ReactNode;
  /** Bucket width, for the table's time labels. */
  bucket: 'hour' | 'day';
}

const HEIGHT = 200;
const PALETTE_SIZE = 8;

/** A CSS colour expression resolved to rgb() in the current theme (`light-dark()` only resolves on an element). */
function resolveColours(host: HTMLElement, exprs: string[]): string[] {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  host.appendChild(probe);
  const out = exprs.map((e) => {
    probe.style.color = e;
    return getComputedStyle(probe).color;
  });
  probe.remove();
  return out;
}

/** Bumps whenever the colour scheme may have changed: the theme toggle (<html data-theme>) or the system setting. */
export function useSchemeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const bump = () => setV((n) => n + 1);
    const mo = new MutationObserver(bump);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', bump);
    return () => {
      mo.disconnect();
      mq.removeEventListener('change', bump);
    };
  }, []);
  return v;
}

const utc = (ms: number) => uPlot.tzDate(new Date(ms), 'Etc/UTC');
const hourLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
const dayLabel = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** The chart and its table. */
export function TimeChart({ title, x, lines, format, linkFor, onPoint, present, fromZero, controls, summary, bucket }: Props) {
  const box = useRef<HTMLDivElement>(null);
  // The table is built only once opened: 90 days of hours is 2,160 rows per chart.
  const [tableOpen, setTableOpen] = useState(false);
  const scheme = useSchemeVersion();
  // The latest callbacks, so a click on a chart built earlier still uses this render's links.
  const latest = useRef({ onPoint, format });
  latest.current = { onPoint, format };

  useEffect(() => {
    const host = box.current;
    if (!host) return;
    const [fg, muted, grid, ...palette] = resolveColours(host, ['var(--fg)', 'var(--fg-muted)', 'var(--border)', ...Array.from({ length: PALETTE_SIZE }, (_, i) => `var(--chart-${i + 1})`)]);
    const axis: uPlot.Axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width: Math.max(host.clientWidth, 200),
      height: HEIGHT,
      ms: 1,
      tzDate: utc,
      // Dragging would zoom; here a press is a click that opens the point's traces.
      cursor: { drag: { x: false, y: false }, focus: { prox: 24 }, points: { size: 8 } },
      focus: { alpha: 0.35 },
      legend: { live: true },
      scales: { x: { time: true }, y: fromZero ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } : {} },
      axes: [
        { ...axis, stroke: muted },
        { ...axis, size: 64, values: (_u, ticks) => ticks.map((t) => latest.current.format(t)) },
      ],
      series: [
        { label: 'UTC', value: (_u, v) => (v == null ? '—' : (bucket === 'day' ? dayLabel : hourLabel).format(v)) },
        ...lines.map<uPlot.Series>((l, i) => ({
          label: l.label,
          stroke: palette[i % PALETTE_SIZE],
          width: 2,
          dash: l.dash ? [6, 4] : undefined,
          spanGaps: false,
          points: { show: (u: uPlot) => u.data[0].length <= 60 || u.bbox.width / u.data[0].length > 8, size: 5 },
          value: (_u: uPlot, v: number | null) => latest.current.format(v),
        })),
      ],
      hooks: {
        ready: [
          (u) => {
            u.over.style.cursor = 'pointer';
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              const top = u.cursor.top ?? -1;
              if (idx == null || top < 0) return;
              // The line nearest the pointer at that bucket (several lines share an x).
              let best = -1;
              let dist = Infinity;
              for (let s = 1; s < u.series.length; s++) {
                const v = u.data[s][idx];
                if (v == null || !u.series[s].show) continue;
                const d = Math.abs(u.valToPos(v, 'y') - top);
                if (d < dist) (dist = d), (best = s);
              }
              if (best > 0) latest.current.onPoint(best - 1, idx);
            });
          },
        ],
      },
    };
    host.style.color = fg;
    const plot = new uPlot(opts, [x, ...lines.map((l) => l.values)] as uPlot.AlignedData, host);
    const ro = new ResizeObserver(() => {
      const w = Math.max(host.clientWidth, 200);
      if (w !== plot.width) plot.setSize({ width: w, height: HEIGHT });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, lines, fromZero, bucket, scheme]);

  const label = bucket === 'day' ? dayLabel : hourLabel;
  const rows = x.map((t, i) => ({ t, i })).filter(({ i }) => !present || present[i]);
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section className="dash-chart card" data-chart={slug} aria-label={title}>
      <header className="dash-chart-head">
        <h2>{title}</h2>
        {controls}
      </header>
      {summary && <div className="dash-chart-summary">{summary}</div>}
      <div className="dash-chart-plot" ref={box} role="img" aria-label={`${title} over time; the table below lists the same figures`} />
      <details className="dash-chart-table" onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary>Table</summary>
        {!tableOpen ? null : rows.length === 0 ? (
          <p className="muted small">No traces in this range.</p>
        ) : (
          <table className="table">
            <caption className="sr-only">{title} per bucket (UTC); each figure opens its traces</caption>
            <thead>
              <tr>
                <th scope="col">{bucket === 'day' ? 'Day' : 'Hour'} (UTC)</th>
                {lines.map((l) => (
                  <th scope="col" key={l.label}>
                    {l.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ t, i }) => (
                <tr key={t} data-t={t}>
                  <th scope="row">{label.format(t)}</th>
                  {lines.map((l, li) => (
                    <td key={l.label}>{l.values[i] == null ? '—' : <Link to={linkFor(li, i)}>{format(l.values[i])}</Link>}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </section>
  );
}
