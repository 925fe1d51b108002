// Overview: figures and a chart of the last 50 runs (one request: view=summary&limit=50), the
// next runs of the schedule, the description and the settings that shape a run.
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import { CalendarClock, History } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "@/api/client";
import { type EventDetail, listEventExecutions, type SchedulePreview } from "@/api/events";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, useNow } from "@/components/ui/time";
import { formatDuration, formatInterval } from "@/lib/time";
import { isLive } from "../runs/filters";
import { DurationChart } from "./DurationChart";
import { formatRate, runStats } from "./stats";

export const RECENT = 50;

function Tile({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <Card className="px-4 py-3">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums tracking-tight">{value}</dd>
      {hint ? <dd className="mt-0.5 text-xs text-muted-foreground">{hint}</dd> : null}
    </Card>
  );
}

function countdown(at: string, now: number): string {
  const ms = Date.parse(at) - now;
  if (Number.isNaN(ms)) return "";
  if (ms <= 0) return "due now";
  return `in ${formatDuration(ms < 60_000 ? Math.ceil(ms / 1000) * 1000 : ms)}`;
}

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "2026-12-08T02:15:00-05:00" → "2026-12-08 02:15" (the schedule's own clock). */
function wallClock(local: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(local);
  if (!m) return local;
  return `${m[1]} ${m[2]}${m[3] && m[3] !== ":00" ? m[3] : ""}`;
}

const DST: Record<string, string> = {
  SHIFTED: "moved to the end of a DST gap",
  REPEATED: "a repeated wall-clock time (DST ends)",
};

function NextRuns({ event, preview }: { event: EventDetail; preview: UseQueryResult<SchedulePreview> }) {
  const now = useNow(1000);
  const manual = !event.schedule || event.schedule.kind === "MANUAL";
  const notFound = preview.error instanceof ApiError && preview.error.status === 404;
  const upcoming = (preview.data?.instants ?? []).filter((x) => x.dst === "SKIPPED" || Date.parse(x.utc) > now - 1000);
  return (
    <Card>
      <CardHeader
        titleId="event-next-runs"
        title="Next runs"
        description={
          manual || notFound
            ? undefined
            : event.status === "ACTIVE"
              ? `As planned in ${preview.data?.timezone ?? event.schedule?.timezone ?? "the server's zone"}`
              : "On hold: these are the times it would run once it is active again"
        }
      />
      <section aria-labelledby="event-next-runs">
        {manual || notFound ? (
          <EmptyState icon={CalendarClock} title="No schedule" className="py-8">
            This event runs only when it is started: by hand, by a webhook, a workflow or another event.
          </EmptyState>
        ) : preview.isPending ? (
          <div className="p-6 text-center">
            <Spinner label="Loading the next runs" />
          </div>
        ) : preview.isError ? (
          <ErrorState error={preview.error} onRetry={() => void preview.refetch()} className="m-3" />
        ) : upcoming.length === 0 ? (
          <EmptyState icon={CalendarClock} title="Nothing more is planned" className="py-8">
            The schedule has ended (its end time, run limit or one-time run is past).
          </EmptyState>
        ) : (
          <ol className="divide-y divide-border">
            {upcoming.map((x) =>
              x.dst === "SKIPPED" ? (
                <li key={`skip-${x.utc}`} className="px-4 py-2 text-xs text-muted-foreground">
                  {x.skipped ?? 1} wall-clock time(s) from {x.local.replace("T", " ")} do not exist (clocks move forward) and
                  are skipped.
                </li>
              ) : (
                <li key={x.utc} className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-0.5 px-4 py-2 text-sm">
                  <span className="min-w-0">
                    <AbsoluteTime iso={x.utc} zone={preview.data?.timezone} />
                    {preview.data && preview.data.timezone !== BROWSER_ZONE ? (
                      <span className="block text-xs text-muted-foreground">
                        {wallClock(x.local)} in {preview.data.timezone}
                      </span>
                    ) : null}
                    {x.dst ? (
                      <Badge className="ml-2 align-middle" title={DST[x.dst]}>
                        DST {x.dst.toLowerCase()}
                      </Badge>
                    ) : null}
                  </span>
                  <span className="text-xs tabular-nums text-muted-foreground">
                    <time dateTime={x.utc}>{countdown(x.utc, now)}</time>
                  </span>
                </li>
              ),
            )}
          </ol>
        )}
        {preview.data?.warnings?.length ? (
          <ul className="border-t border-border px-4 py-2 text-xs text-warning">
            {preview.data.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : null}
      </section>
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3 py-1.5">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words text-right font-medium">{children}</dd>
    </div>
  );
}

function About({ event }: { event: EventDetail }) {
  const s = event.schedule;
  return (
    <Card>
      <CardHeader titleId="event-about" title="About" />
      <section aria-labelledby="event-about" className="space-y-3 px-4 py-3 text-sm">
        {event.description ? (
          <p className="whitespace-pre-wrap break-words">{event.description}</p>
        ) : (
          <p className="text-muted-foreground">No description.</p>
        )}
        <dl className="divide-y divide-border">
          {event.timeoutSeconds ? <Fact label="Timeout">{formatDuration(event.timeoutSeconds * 1000)}</Fact> : null}
          {event.retries !== undefined ? (
            <Fact label="Retries">
              {event.retries === 0 ? "none" : event.retries}
            </Fact>
          ) : null}
          {s && s.kind !== "MANUAL" && s.overlapPolicy ? <Fact label="When a run is still going">{s.overlapPolicy.toLowerCase().replaceAll("_", " ")}</Fact> : null}
          {s && s.kind !== "MANUAL" && s.misfirePolicy ? (
            <Fact label="Missed while down">
              {s.misfirePolicy.toLowerCase().replaceAll("_", " ")}
              {s.catchUpWindowSeconds && s.misfirePolicy !== "SKIP"
                ? ` (within ${formatInterval(s.catchUpWindowSeconds).replace(/^every /, "").replace(/^(?=[a-z])/, "1 ")})`
                : ""}
            </Fact>
          ) : null}
          <Fact label="Created">
            <AbsoluteTime iso={event.createdAt} />
          </Fact>
          <Fact label="Updated">
            <AbsoluteTime iso={event.updatedAt} />
          </Fact>
        </dl>
      </section>
    </Card>
  );
}

export function OverviewTab({ event, preview }: { event: EventDetail; preview: UseQueryResult<SchedulePreview> }) {
  const now = useNow(5_000);
  const recent = useQuery({
    queryKey: ["executions", "event", event.id, "recent"],
    queryFn: ({ signal }) => listEventExecutions(event.id, { view: "summary", limit: RECENT }, signal),
    // Live only while one of them is queued or running.
    refetchInterval: (q) => (q.state.data?.items.some(isLive) ? 5_000 : false),
  });
  const runs = recent.data?.items ?? [];
  const stats = runStats(runs);

  return (
    <div className="space-y-4">
      <Card>
        <CardHeader
          titleId="event-recent"
          title={`Last ${RECENT} runs`}
          description={
            recent.data
              ? `${stats.total} run${stats.total === 1 ? "" : "s"} shown · all time: ${event.successCount} succeeded, ${event.failureCount} failed`
              : undefined
          }
        />
        <section aria-labelledby="event-recent" className="px-4 py-3">
          {recent.isPending ? (
            <div className="p-6 text-center">
              <Spinner label="Loading the recent runs" />
            </div>
          ) : recent.isError ? (
            <ErrorState error={recent.error} onRetry={() => void recent.refetch()} />
          ) : runs.length === 0 ? (
            <EmptyState icon={History} title="No runs yet" className="py-6">
              Runs show here when the schedule fires or someone runs the event.
            </EmptyState>
          ) : (
            <div className="space-y-4">
              <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4">
                <Tile
                  label="Success rate"
                  value={formatRate(stats.successRate)}
                  hint={
                    stats.judged
                      ? `${stats.succeeded} of ${stats.judged} ended runs (cancelled not counted)`
                      : "no run has ended yet"
                  }
                />
                <Tile
                  label="Runs"
                  value={stats.total}
                  hint={
                    <>
                      {stats.counts.FAILED + stats.counts.TIMED_OUT + stats.counts.LOST} failed ·{" "}
                      {stats.counts.RUNNING + stats.counts.QUEUED} running or queued
                    </>
                  }
                />
                <Tile label="Average duration" value={formatDuration(stats.avgMs)} hint={`over ${stats.timed} ended runs`} />
                <Tile label="p95 duration" value={formatDuration(stats.p95Ms)} hint="95% of runs took at most this" />
              </dl>
              <DurationChart runs={runs} stats={stats} now={now} />
              <p className="text-xs">
                <Link to="?tab=runs" className="font-medium text-primary hover:underline">
                  All runs of this event
                </Link>
              </p>
            </div>
          )}
        </section>
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <NextRuns event={event} preview={preview} />
        <About event={event} />
      </div>
    </div>
  );
}
