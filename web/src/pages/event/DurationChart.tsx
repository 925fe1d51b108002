// The event's last runs, oldest to newest: y = duration (log scale), each outcome with its own
// colour AND shape, the average and p95 as dashed lines; the legend says the same in words.
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { ExecutionDetail } from "@/api/types";
import { RUN_STATUS } from "@/components/ui/status";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { cn } from "@/lib/utils";
import { LOOK, Mark, ORDER, Swatch } from "@/components/charts/run-marks";
import type { RunStats } from "./stats";

const TICKS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_200_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
];

const MAJOR = [1, 10, 100, 1_000, 10_000, 60_000, 600_000, 3_600_000, 21_600_000, 86_400_000];

export function tickLabel(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  if (ms < 3_600_000) return `${ms / 60_000}m`;
  return `${ms / 3_600_000}h`;
}

function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export function DurationChart({ runs, stats, now }: { runs: ExecutionDetail[]; stats: RunStats; now: number }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const navigate = useNavigate();
  const height = 170;
  const pad = { left: 44, right: 34, top: 10, bottom: 22 };

  const model = useMemo(() => {
    // The API answers newest first; the chart reads left to right, oldest first.
    const points = [...runs].reverse().map((run) => {
      const live = run.status === "RUNNING" && run.startedAt ? Math.max(0, now - Date.parse(run.startedAt)) : null;
      const duration = run.durationMs ?? live;
      return { run, duration: duration === null ? null : Math.max(duration, 1) };
    });
    const known = points.flatMap((p) => (p.duration === null ? [] : [p.duration]));
    const min = known.length ? Math.min(...known, stats.avgMs ?? Infinity) : 100;
    const max = known.length ? Math.max(...known, stats.p95Ms ?? 0) : 10_000;
    // The scale's ends are labelled ticks: 1-2-5 steps, or only the major ones over a wide range.
    const bounds = (list: number[]) => {
      const lo = [...list].reverse().find((t) => t <= min * 0.95) ?? list[0]!;
      const hi = list.find((t) => t >= max * 1.05 && t > lo) ?? list[list.length - 1]!;
      return { lo, hi, ticks: list.filter((t) => t >= lo && t <= hi) };
    };
    let scale = bounds(TICKS);
    if (scale.ticks.length > 5) scale = bounds(MAJOR);
    return { points, lo: Math.log10(scale.lo), hi: Math.log10(scale.hi), ticks: scale.ticks };
  }, [runs, stats.avgMs, stats.p95Ms, now]);

  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const step = innerW / Math.max(1, model.points.length);
  const r = step < 9 ? 3 : 4;
  const xOf = (i: number) => pad.left + (i + 0.5) * step;
  const yOf = (ms: number) => pad.top + innerH - ((Math.log10(ms) - model.lo) / (model.hi - model.lo)) * innerH;
  const bottom = height - pad.bottom;

  const counts = ORDER.filter((s) => stats.counts[s] > 0).map((s) => `${stats.counts[s]} ${RUN_STATUS[s].label.toLowerCase()}`);
  const summary =
    `Durations of the last ${stats.total} runs, oldest to newest: ${counts.join(", ")}.` +
    (stats.avgMs !== null ? ` Average ${formatDuration(stats.avgMs)}, 95th percentile ${formatDuration(stats.p95Ms)}.` : "");

  const lines = [
    stats.avgMs !== null ? { label: "avg", ms: stats.avgMs, y: yOf(Math.max(stats.avgMs, 1)) } : null,
    stats.p95Ms !== null ? { label: "p95", ms: stats.p95Ms, y: yOf(Math.max(stats.p95Ms, 1)) } : null,
  ].filter((l): l is { label: string; ms: number; y: number } => l !== null);
  // Keep the two labels apart when the lines nearly meet.
  const labelY = (i: number) => {
    const y = lines[i]!.y;
    if (lines.length === 2 && Math.abs(lines[0]!.y - lines[1]!.y) < 11) return i === 0 ? y + 8 : y - 4;
    return y + 3;
  };

  return (
    <div ref={ref} className="w-full">
      <svg width={width} height={height} role="img" aria-label={summary} className="block overflow-visible text-muted-foreground">
        {model.ticks.map((ms) => (
          <g key={ms}>
            <line x1={pad.left} x2={width - pad.right} y1={yOf(ms)} y2={yOf(ms)} stroke="currentColor" strokeOpacity={0.15} />
            <text x={pad.left - 6} y={yOf(ms)} dy="0.32em" textAnchor="end" fontSize={10} fill="currentColor">
              {tickLabel(ms)}
            </text>
          </g>
        ))}
        <line x1={pad.left} x2={width - pad.right} y1={bottom} y2={bottom} stroke="currentColor" strokeOpacity={0.4} />
        <text x={pad.left} y={height - 6} fontSize={10} fill="currentColor">
          oldest
        </text>
        <text x={width - pad.right} y={height - 6} textAnchor="end" fontSize={10} fill="currentColor">
          newest
        </text>
        {lines.map((l, i) => (
          <g key={l.label} className="text-foreground">
            <line
              x1={pad.left}
              x2={width - pad.right}
              y1={l.y}
              y2={l.y}
              stroke="currentColor"
              strokeOpacity={0.55}
              strokeDasharray={l.label === "avg" ? "4 3" : "1.5 2.5"}
            />
            <text x={width - pad.right + 4} y={labelY(i)} fontSize={10} fill="currentColor">
              {l.label}
            </text>
          </g>
        ))}
        {model.points.map(({ run, duration }, i) => {
          const look = LOOK[run.status] ?? LOOK.QUEUED;
          const y = duration === null ? bottom : yOf(duration);
          return (
            <g key={run.id} className={cn(look.tone, "cursor-pointer")} onClick={() => void navigate(`/runs/${run.id}`)}>
              <title>
                {`${RUN_STATUS[run.status]?.label ?? run.status} · ${duration === null ? "not started" : formatDuration(duration)}${
                  run.status === "RUNNING" ? " so far" : ""
                } · ${formatAbsolute(run.startedAt ?? run.createdAt)} · ${run.id}`}
              </title>
              <Mark shape={look.shape} x={xOf(i)} y={y} r={r} />
            </g>
          );
        })}
      </svg>
      <p className="mt-1 text-[11px] text-muted-foreground">
        One mark per run, oldest left · y: duration, log scale · dashed: average, dotted: 95th percentile. Hover a mark
        for the run; click to open it.
      </p>
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1.5 text-sm" aria-label="Legend and counts">
        {ORDER.map((s) => {
          const n = stats.counts[s];
          return (
            <li key={s} className={cn("flex items-center gap-1.5", n === 0 && "text-muted-foreground")}>
              <Swatch status={s} />
              <span>{RUN_STATUS[s].label}</span>
              <span className="font-semibold tabular-nums">{n}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
