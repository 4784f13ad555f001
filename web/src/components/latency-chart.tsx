// The response-time chart, in SVG at the size it is shown (1 unit = 1 CSS pixel, so its labels are 12 px
// on a phone as on a desktop): the line at the resolution the agent chose for the window (every result
// for hours, a point a minute for a day, an hour beyond; older agents give hourly medians), broken where
// there was no data; the y axis reaches the window's p99 (drawn dashed), so a slow tail is on the chart.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Uptime } from "../api/types.js";

const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };
const RESOLUTION_WORDS = { raw: "every result", minute: "mean per minute", hour: "mean per hour" } as const;

export function niceMax(value: number): number {
  if (value <= 0) return 10;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

const time = (t: string | number) => (typeof t === "number" ? t : new Date(t).getTime());

/** The element's width in CSS pixels, followed as it changes. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(240, Math.floor(element.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

function linePoints(uptime: Uptime): { points: Array<{ t: number; v: number | null }>; gap: number; what: string } {
  if (uptime.points) {
    const points = uptime.points.map((point) => ({ t: time(point.t), v: point.ms as number | null }));
    const steps = points.slice(1).map((point, index) => point.t - points[index]!.t).sort((a, b) => a - b);
    const typical = steps[Math.floor(steps.length / 2)] ?? 60_000;
    const gap = uptime.resolution === "hour" ? 2.5 * 3_600_000 : uptime.resolution === "minute" ? 2.5 * 60_000 : 5 * typical;
    return { points, gap, what: RESOLUTION_WORDS[uptime.resolution ?? "raw"] };
  }
  return { points: uptime.series.map((point) => ({ t: time(point.t), v: point.p50_ms })), gap: Infinity, what: "median per bucket" };
}

export function LatencyChart({ uptime, label }: { uptime: Uptime; label: string }) {
  const { ref, width: W } = useWidth(640);
  const { points, gap, what } = linePoints(uptime);
  const id = `chart-${label.replace(/\W+/g, "-")}`;
  const known = points.filter((point): point is { t: number; v: number } => point.v !== null);
  if (known.length === 0) return <p class="muted" ref={ref}>No latency measured in this window.</p>;
  const series = uptime.series.map((point) => time(point.t));
  const t0 = Math.min(...series, ...known.map((point) => point.t));
  const t1 = Math.max(Date.now(), ...known.map((point) => point.t), t0 + 1);
  const p99 = uptime.latency.p99_ms;
  const max = niceMax(Math.max(p99 ?? 0, ...known.map((point) => point.v)));
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  let d = "";
  let last: number | null = null;
  for (const point of points) {
    if (point.v === null) {
      last = null;
      continue;
    }
    d += `${last !== null && point.t - last <= gap ? "L" : "M"}${x(point.t).toFixed(1)},${y(point.v).toFixed(1)} `;
    last = point.t;
  }
  const ticks = [0, max / 2, max];
  const long = t1 - t0 > 2 * 86_400_000;
  const short = (t: number) => new Date(t).toLocaleString(undefined, long ? { month: "short", day: "numeric" } : { weekday: W < 420 ? undefined : "short", hour: "2-digit", minute: "2-digit" });
  return (
    <div ref={ref} class="chart-box">
      <svg class="chart" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} aria-describedby={`${id}-what`} data-points={known.length} data-resolution={uptime.resolution ?? "bucket"}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text class="axis" x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
              {Math.round(tick)} ms
            </text>
          </g>
        ))}
        {p99 !== null && p99 > 0 && (
          <g class="p99">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(p99)} y2={y(p99)} />
            <text class="axis" x={W - PAD.right - 4} y={y(p99) - 4} text-anchor="end">
              p99 {Math.round(p99)} ms
            </text>
          </g>
        )}
        <text class="axis" x={PAD.left} y={H - 8}>
          {short(t0)}
        </text>
        <text class="axis" x={W - PAD.right} y={H - 8} text-anchor="end">
          {short(t1)}
        </text>
        <path class="series" d={d} />
        {known.length === 1 && <circle class="series-dot" cx={x(known[0]!.t)} cy={y(known[0]!.v)} r={3} />}
      </svg>
      <p class="muted small-print" id={`${id}-what`}>
        Each point: {what}.
      </p>
    </div>
  );
}
