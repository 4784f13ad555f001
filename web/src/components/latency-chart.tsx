// A line chart of median latency over the chosen window, in SVG: axes with three labelled ticks, gaps
// where there was no data (null points break the line rather than dropping to zero).
import type { Uptime } from "../api/types.js";

const W = 640;
const H = 200;
const PAD = { left: 52, right: 12, top: 12, bottom: 28 };

function niceMax(value: number): number {
  if (value <= 0) return 10;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

const time = (t: string | number) => (typeof t === "number" ? t : new Date(t).getTime());

export function LatencyChart({ series, label }: { series: Uptime["series"]; label: string }) {
  const points = series.map((point) => ({ t: time(point.t), v: point.p50_ms }));
  const known = points.filter((point): point is { t: number; v: number } => point.v !== null);
  if (known.length === 0) return <p class="muted">No latency measured in this window.</p>;
  const t0 = Math.min(...points.map((point) => point.t));
  const t1 = Math.max(...points.map((point) => point.t), t0 + 1);
  const max = niceMax(Math.max(...known.map((point) => point.v)));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  let d = "";
  let pen = false;
  for (const point of points) {
    if (point.v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(point.t).toFixed(1)},${y(point.v).toFixed(1)} `;
    pen = true;
  }
  const ticks = [0, max / 2, max];
  // The 24 h window's ends are the same hour on two days: the weekday tells them apart.
  const short = (t: number) => new Date(t).toLocaleString(undefined, t1 - t0 > 2 * 86_400_000 ? { month: "short", day: "numeric" } : { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      {ticks.map((tick) => (
        <g key={tick}>
          <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} />
          <text class="axis" x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
            {Math.round(tick)} ms
          </text>
        </g>
      ))}
      <text class="axis" x={PAD.left} y={H - 8}>
        {short(t0)}
      </text>
      <text class="axis" x={W - PAD.right} y={H - 8} text-anchor="end">
        {short(t1)}
      </text>
      <path class="series" d={d} />
      {known.length === 1 && <circle class="series-dot" cx={x(known[0]!.t)} cy={y(known[0]!.v)} r={3} />}
    </svg>
  );
}
