// The window's runs as a scatter: x = start time, y = duration (log scale); each outcome has its
// own colour AND shape, and the legend says both in words with the counts.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import type { Stats, StatsRun } from "@/api/types";
import { Card, CardHeader } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RUN_STATUS } from "@/components/ui/status";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { cn } from "@/lib/utils";
import { LOOK, Mark, ORDER } from "@/components/charts/run-marks";
import { pickMarks } from "./pick-marks";

/** SVG marks at most: past this many runs, failures all and successes spread (pick-marks.ts). */
const MAX_MARKS = 600;

const TICKS_MS = [10, 100, 1000, 10_000, 60_000, 600_000, 3_600_000, 6 * 3_600_000, 86_400_000];
const TICK_LABEL: Record<number, string> = {
  10: "10ms",
  100: "100ms",
  1000: "1s",
  10_000: "10s",
  60_000: "1m",
  600_000: "10m",
  3_600_000: "1h",
  21_600_000: "6h",
  86_400_000: "1d",
};
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

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

export function RunsChart({
  stats,
  names,
  error,
  loading,
  onRetry,
}: {
  stats: Stats | undefined;
  names: Map<string, string> | undefined;
  error: unknown;
  loading: boolean;
  onRetry: () => void;
}) {
  const [ref, width] = useWidth<HTMLElement>();
  const navigate = useNavigate();
  const height = 180;
  const pad = { left: 44, right: 10, top: 10, bottom: 24 };

  const model = useMemo(() => {
    if (!stats) return null;
    const t0 = Date.parse(stats.since);
    const t1 = Date.parse(stats.generatedAt);
    const points = stats.recentRuns
      .filter((r): r is StatsRun & { startedAt: string } => Boolean(r.startedAt))
      .map((r) => {
        const start = Date.parse(r.startedAt);
        const duration = r.durationMs ?? Math.max(0, t1 - start);
        return { run: r, start, duration: Math.max(duration, 10) };
      });
    const all = points.length;
    const drawn = pickMarks(points, MAX_MARKS);
    let maxDuration = 1000;
    for (const p of points) maxDuration = Math.max(maxDuration, p.duration);
    const lo = Math.log10(10);
    // The top of the scale is the first tick above the longest run, so it is labelled.
    const top = TICKS_MS.find((t) => t >= maxDuration * 1.05) ?? maxDuration * 1.2;
    const hi = Math.log10(top);
    return { t0, t1, points: drawn, all, lo, hi, maxDuration };
  }, [stats]);

  const counts = stats?.runs;
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const xOf = (t: number) => (model ? pad.left + ((t - model.t0) / Math.max(1, model.t1 - model.t0)) * innerW : 0);
  const yOf = (ms: number) => (model ? pad.top + innerH - ((Math.log10(ms) - model.lo) / (model.hi - model.lo)) * innerH : 0);

  const summary = counts
    ? `Runs of the last 24 hours by start time and duration: ${ORDER.map((s) => `${counts[s] ?? 0} ${RUN_STATUS[s].label.toLowerCase()}`).join(", ")}.`
    : "";

  const xTicks: number[] = [];
  if (model) {
    const step = 6 * 3_600_000;
    for (let t = Math.ceil(model.t0 / 3_600_000) * 3_600_000; t <= model.t1; t += 3_600_000) {
      if (new Date(t).getHours() % 6 === 0) xTicks.push(t);
    }
    if (xTicks.length === 0) xTicks.push(model.t0 + step / 2);
  }

  return (
    <Card>
      <CardHeader
        titleId="runs-24h"
        title="Runs in the last 24 hours"
        description={
          counts
            ? `${counts.total} in total${stats?.recentRunsTruncated ? `; the chart shows the newest ${stats.recentRuns.length}` : ""}${
                model && model.points.length < model.all ? `; ${model.points.length} marks drawn, every run that did not succeed among them` : ""
              }`
            : undefined
        }
        actions={
          <Link to="/runs" className="text-xs font-medium text-primary hover:underline">
            All runs
          </Link>
        }
      />
      <section ref={ref} aria-labelledby="runs-24h" className="px-4 py-3">
        {loading ? (
          <div className="p-6 text-center">
            <Spinner />
          </div>
        ) : error || !model || !counts ? (
          <ErrorState error={error} onRetry={onRetry} />
        ) : (
          <>
            <div className="w-full">
              {model.points.length === 0 ? (
                <p className="py-6 text-center text-sm text-muted-foreground">No runs in the last 24 hours.</p>
              ) : (
                <svg width={width} height={height} role="img" aria-label={summary} className="block overflow-visible text-muted-foreground">
                  {TICKS_MS.filter((ms) => Math.log10(ms) >= model.lo && Math.log10(ms) <= model.hi).map((ms) => (
                    <g key={ms}>
                      <line x1={pad.left} x2={width - pad.right} y1={yOf(ms)} y2={yOf(ms)} stroke="currentColor" strokeOpacity={0.15} />
                      <text x={pad.left - 6} y={yOf(ms)} dy="0.32em" textAnchor="end" fontSize={10} fill="currentColor">
                        {TICK_LABEL[ms]}
                      </text>
                    </g>
                  ))}
                  {xTicks.map((t) => (
                    <g key={t}>
                      <line x1={xOf(t)} x2={xOf(t)} y1={pad.top} y2={height - pad.bottom} stroke="currentColor" strokeOpacity={0.1} />
                      <text x={xOf(t)} y={height - 6} textAnchor="middle" fontSize={10} fill="currentColor">
                        {hourFormat.format(t)}
                      </text>
                    </g>
                  ))}
                  <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} stroke="currentColor" strokeOpacity={0.4} />
                  {model.points.map(({ run, start, duration }) => {
                    const look = LOOK[run.status] ?? LOOK.QUEUED;
                    const name = names?.get(run.eventId) ?? run.eventId;
                    return (
                      <g
                        key={run.id}
                        className={cn(look.tone, "cursor-pointer")}
                        onClick={() => void navigate(`/runs/${run.id}`)}
                      >
                        <title>
                          {`${name} · ${RUN_STATUS[run.status]?.label ?? run.status} · ${formatDuration(run.durationMs ?? duration)} · ${formatAbsolute(run.startedAt)}`}
                        </title>
                        <Mark shape={look.shape} x={xOf(start)} y={yOf(duration)} />
                      </g>
                    );
                  })}
                </svg>
              )}
            </div>
            <p className="mt-1 text-[11px] text-muted-foreground">
              x: start time ({zone}) · y: duration, log scale. Hover a mark for the run; click to open it.
            </p>
            <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1.5 text-sm" aria-label="Legend and counts">
              {ORDER.map((s) => {
                const n = counts[s] ?? 0;
                return (
                  <li key={s} className={cn("flex items-center gap-1.5", n === 0 && "text-muted-foreground")}>
                    <svg width={12} height={12} aria-hidden="true" className={LOOK[s].tone}>
                      <Mark shape={LOOK[s].shape} x={6} y={6} r={4} />
                    </svg>
                    <span>{RUN_STATUS[s].label}</span>
                    <span className="font-semibold tabular-nums">{n}</span>
                  </li>
                );
              })}
            </ul>
          </>
        )}
      </section>
    </Card>
  );
}
