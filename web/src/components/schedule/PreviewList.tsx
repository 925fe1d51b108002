// The next runs as the server's scheduler computes them, in the schedule's zone and the viewer's,
// with DST marks explained in words (never colour alone).
import { CalendarX2, LoaderCircle, Repeat, SkipForward, TriangleAlert, Undo2 } from "lucide-react";
import { type ReactNode, useId } from "react";
import type { PreviewDst, PreviewInstant, SchedulePreview } from "@/api/schedules";
import { Badge } from "@/components/ui/badge";
import { ErrorState } from "@/components/ui/states";
import { formatRelative } from "@/lib/time";
import { cn } from "@/lib/utils";
import { DST_MARKS } from "./policies";
import { needsSeconds, scheduleCell, type TimeCell, viewerCell } from "./preview-format";

const DST_ICON: Record<PreviewDst, typeof Repeat> = {
  SHIFTED: Undo2,
  REPEATED: Repeat,
  SKIPPED: SkipForward,
};

function DstBadge({ dst, skipped }: { dst: PreviewDst; skipped?: number }) {
  const Icon = DST_ICON[dst];
  const look = DST_MARKS[dst];
  const label = dst === "SKIPPED" && skipped && skipped > 1 ? `${look.label} (${skipped} runs)` : look.label;
  return (
    <Badge className="bg-card" title={look.explain}>
      <Icon className={cn("size-3.5", dst === "SKIPPED" ? "text-warning" : "text-info")} aria-hidden="true" />
      <span>{label}</span>
    </Badge>
  );
}

function Cell({ cell, muted = false }: { cell: TimeCell; muted?: boolean }) {
  return (
    <span className={cn("tabular-nums", muted && "text-muted-foreground")}>
      {cell.text}
      {cell.offset ? <span className="ml-1.5 whitespace-nowrap text-xs text-muted-foreground">{cell.offset}</span> : null}
    </span>
  );
}

export interface PreviewListProps {
  data: SchedulePreview | undefined;
  error: unknown;
  /** The server refused the spec (the message shows where the field is). */
  invalid: string | null;
  /** Shown when the refusal names no field the builder shows. */
  generalError: string | null;
  skip: string | null;
  pending: boolean;
  stale: boolean;
  viewerZone: string;
  count: number;
  onRetry: () => void;
}

export function PreviewList({
  data,
  error,
  invalid,
  generalError,
  skip,
  pending,
  stale,
  viewerZone,
  count,
  onRetry,
}: PreviewListProps) {
  const titleId = useId();
  let body: ReactNode;
  if (skip) {
    body = <p className="text-sm text-muted-foreground">{skip}</p>;
  } else if (invalid) {
    body = (
      <p className="text-sm text-muted-foreground">
        No preview: {generalError ?? "fix the field marked above."}
      </p>
    );
  } else if (error && !data) {
    body = <ErrorState error={error} onRetry={onRetry} />;
  } else if (!data) {
    body = <p className="text-sm text-muted-foreground">Asking the server…</p>;
  } else {
    body = <Runs data={data} viewerZone={viewerZone} />;
  }

  return (
    <section aria-labelledby={titleId} className="rounded-md border border-border">
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-border px-3 py-2">
        <h3 id={titleId} className="text-sm font-semibold">
          Next {count} runs
        </h3>
        <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" aria-live="polite">
          {pending && !skip ? (
            <>
              <LoaderCircle className="size-3.5 animate-spin" aria-hidden="true" />
              Updating…
            </>
          ) : data && !skip && !invalid && !data.never && data.instants.length ? (
            <NextRun data={data} />
          ) : null}
        </span>
      </div>
      <div className={cn("p-3", stale && !skip && "opacity-60 transition-opacity")}>{body}</div>
    </section>
  );
}

function NextRun({ data }: { data: SchedulePreview }) {
  const first = data.instants.find((i) => i.dst !== "SKIPPED");
  if (!first) return null;
  return <>Next run {formatRelative(first.utc)}</>;
}

function Runs({ data, viewerZone }: { data: SchedulePreview; viewerZone: string }) {
  const seconds = needsSeconds(data.instants);
  const sameZone = data.timezone === viewerZone;
  const marks = new Set(data.instants.map((i) => i.dst).filter((d): d is PreviewDst => d !== null));
  let n = 0;
  const now = Date.now();

  return (
    <div className="space-y-3">
      {data.warnings.length ? (
        <ul className="space-y-1.5" aria-label="Warnings">
          {data.warnings.map((w) => (
            <li
              key={w}
              className="flex items-start gap-2 rounded-md border border-warning/50 bg-warning/10 px-2.5 py-1.5 text-sm"
            >
              <TriangleAlert className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
              <span>
                <span className="font-medium">Warning: </span>
                {w}
              </span>
            </li>
          ))}
        </ul>
      ) : null}

      {data.never || data.instants.length === 0 ? (
        <p className="flex items-start gap-2 text-sm" role="status">
          <CalendarX2 className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
          <span>
            <span className="font-medium">This schedule never runs.</span>{" "}
            <span className="text-muted-foreground">
              No date matches it from now on (a day that does not exist, like February 30), or its time, start or
              end is in the past.
            </span>
          </span>
        </p>
      ) : (
        <div>
          {/* Column heads for wide layouts; each row names its zones itself for narrow ones and
              for screen readers. */}
          <div
            aria-hidden="true"
            className={cn(
              "hidden gap-x-3 pb-1 text-xs font-medium text-muted-foreground sm:grid",
              sameZone ? "grid-cols-[1.5rem_minmax(0,1fr)]" : "grid-cols-[1.5rem_minmax(0,1fr)_minmax(0,1fr)]",
            )}
          >
            <span>#</span>
            <span>
              {data.timezone}
              {sameZone ? " (the schedule's and yours)" : " (schedule)"}
            </span>
            {sameZone ? null : <span>Your time ({viewerZone})</span>}
          </div>
          <ol className="text-sm" aria-label={`Next runs, in ${data.timezone}${sameZone ? "" : ` and in your time (${viewerZone})`}`}>
            {data.instants.map((instant: PreviewInstant) => {
              const skipped = instant.dst === "SKIPPED";
              if (!skipped) n += 1;
              const local = scheduleCell(instant, { seconds, now });
              return (
                <li
                  key={`${instant.utc}-${instant.dst ?? ""}-${instant.local}`}
                  className={cn(
                    "grid gap-x-3 border-t border-border py-1.5",
                    sameZone
                      ? "grid-cols-[1.5rem_minmax(0,1fr)]"
                      : "grid-cols-[1.5rem_minmax(0,1fr)] sm:grid-cols-[1.5rem_minmax(0,1fr)_minmax(0,1fr)]",
                  )}
                  data-testid={skipped ? "preview-skipped" : "preview-run"}
                >
                  <span className="tabular-nums text-muted-foreground">
                    {skipped ? <span aria-label="not a run">–</span> : n}
                  </span>
                  <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <time dateTime={instant.utc}>
                      <span className="sr-only">{data.timezone}: </span>
                      <Cell cell={local} muted={skipped} />
                    </time>
                    {instant.dst ? <DstBadge dst={instant.dst} skipped={instant.skipped} /> : null}
                  </span>
                  {sameZone ? null : (
                    <span className="col-start-2 sm:col-start-auto">
                      <span className="text-xs text-muted-foreground sm:sr-only">Your time: </span>
                      {skipped ? (
                        <span className="text-muted-foreground">no run</span>
                      ) : (
                        <time dateTime={instant.utc}>
                          <Cell cell={viewerCell(instant, viewerZone, { seconds, now })} />
                        </time>
                      )}
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        </div>
      )}

      {marks.size ? (
        <ul className="space-y-1 text-xs text-muted-foreground" aria-label="DST marks">
          {[...marks].map((mark) => (
            <li key={mark}>
              <span className="font-medium text-foreground">{DST_MARKS[mark].label}:</span> {DST_MARKS[mark].explain}
              {mark === "SKIPPED" && data.appliedDstGapPolicy === "SKIP" ? " (DST gap policy: skip)" : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
