import { CalendarClock, Workflow } from "lucide-react";
import { Link } from "react-router";
import type { UpcomingRun } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { useNow } from "@/components/ui/time";
import { formatAbsolute, formatDuration } from "@/lib/time";

const timeOfDay = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

const inZone = new Map<string, Intl.DateTimeFormat | null>();

/** The instant on the schedule's own clock ("Mon, 10:55 PM"), or the server's text. */
function localText(x: UpcomingRun): string {
  if (!inZone.has(x.timezone)) {
    try {
      inZone.set(x.timezone, new Intl.DateTimeFormat(undefined, { timeZone: x.timezone, weekday: "short", hour: "2-digit", minute: "2-digit" }));
    } catch {
      inZone.set(x.timezone, null);
    }
  }
  const f = inZone.get(x.timezone);
  return f ? f.format(Date.parse(x.at)) : x.local;
}

const viewerClock = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });

/** The schedule's clock and zone, the clock left out when it reads as the viewer's own. */
function scheduleLine(x: UpcomingRun): string {
  const local = localText(x);
  return local === viewerClock.format(Date.parse(x.at)) ? `schedule zone ${x.timezone}` : `${local} in ${x.timezone}`;
}

/** "in 4m 10s" — a countdown that ticks; past due reads "due now". */
export function countdown(at: string, now: number): string {
  const ms = Date.parse(at) - now;
  if (Number.isNaN(ms)) return "";
  if (ms <= 0) return "due now";
  return `in ${formatDuration(ms < 60_000 ? Math.ceil(ms / 1000) * 1000 : ms)}`;
}

export function NextRuns({
  items,
  error,
  loading,
  hasMore,
  loadingMore,
  onMore,
  onRetry,
}: {
  items: UpcomingRun[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onMore: () => void;
  onRetry: () => void;
}) {
  const now = useNow(1_000);
  const upcoming = items.filter((x) => Date.parse(x.at) > now - 60_000);
  return (
    <Card>
      <CardHeader
        titleId="next-runs"
        title="Next 24 hours"
        description="Every planned run of the active schedules, soonest first"
        actions={
          <Link to="/events?status=ACTIVE" className="text-xs font-medium text-primary hover:underline">
            Active events
          </Link>
        }
      />
      <section aria-labelledby="next-runs">
        {loading ? (
          <div className="p-6 text-center">
            <Spinner />
          </div>
        ) : error ? (
          <ErrorState error={error} onRetry={onRetry} className="m-3" />
        ) : upcoming.length === 0 ? (
          <EmptyState icon={CalendarClock} title="No scheduled runs in the next 24 hours" className="py-8" />
        ) : (
          <>
            <ol className="divide-y divide-border">
              {upcoming.map((x) => (
                <li key={`${x.at}-${x.targetId}`} className="flex items-center gap-3 px-4 py-2">
                  {x.targetType === "WORKFLOW" ? (
                    <Workflow className="size-4 shrink-0 text-muted-foreground" aria-label="Workflow" />
                  ) : (
                    <CalendarClock className="size-4 shrink-0 text-muted-foreground" aria-label="Event" />
                  )}
                  <div className="min-w-0 flex-1">
                    {x.targetType === "EVENT" ? (
                      <Link to={`/events/${encodeURIComponent(x.targetId)}`} className="block truncate text-sm font-medium hover:underline">
                        {x.name}
                      </Link>
                    ) : (
                      <div className="truncate text-sm font-medium">{x.name}</div>
                    )}
                    <div className="truncate text-xs text-muted-foreground" title={formatAbsolute(x.at)}>
                      {scheduleLine(x)}
                    </div>
                  </div>
                  <div className="text-right text-xs">
                    <div className="font-medium tabular-nums">
                      <time dateTime={x.at}>{countdown(x.at, now)}</time>
                    </div>
                    <div className="text-muted-foreground">{timeOfDay.format(Date.parse(x.at))}</div>
                  </div>
                </li>
              ))}
            </ol>
            {hasMore ? (
              <div className="border-t border-border px-4 py-2 text-right">
                <Button size="sm" disabled={loadingMore} onClick={onMore}>
                  {loadingMore ? "Loading…" : "Show more"}
                </Button>
              </div>
            ) : null}
          </>
        )}
      </section>
    </Card>
  );
}
