import { CalendarClock } from "lucide-react";
import { Link } from "react-router";
import type { CroniumEvent } from "@/api/types";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RelativeTime, useNow } from "@/components/ui/time";
import { describeSchedule } from "@/lib/schedule";
import { formatAbsolute } from "@/lib/time";
import { nextRuns } from "./data";

const timeOfDay = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });

export function NextRuns({
  events,
  error,
  loading,
  onRetry,
}: {
  events: CroniumEvent[] | undefined;
  error: unknown;
  loading: boolean;
  onRetry: () => void;
}) {
  const now = useNow(15_000);
  const upcoming = nextRuns(events ?? [], now).slice(0, 8);
  return (
    <Card>
      <CardHeader
        titleId="next-runs"
        title="Next 24 hours"
        description="The next run of each active scheduled event"
        actions={
          <Link to="/events?status=ACTIVE" className="text-xs font-medium text-primary hover:underline">
            All events
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
          <ul className="divide-y divide-border">
            {upcoming.map(({ event, at }) => {
              const schedule = describeSchedule(event.schedule);
              return (
                <li key={event.id} className="flex items-center gap-3 px-4 py-2.5">
                  <div className="min-w-0 flex-1">
                    <div className="truncate text-sm font-medium">{event.name}</div>
                    <div
                      className={`truncate text-xs text-muted-foreground ${event.schedule?.kind === "CRON" ? "font-mono" : ""}`}
                      title={schedule.title}
                    >
                      {schedule.text}
                    </div>
                  </div>
                  <div className="text-right text-xs">
                    <div className="font-medium tabular-nums" title={formatAbsolute(event.schedule?.nextRunAt)}>
                      {timeOfDay.format(at)}
                    </div>
                    <div className="text-muted-foreground">
                      <RelativeTime iso={event.schedule?.nextRunAt} now={now} />
                    </div>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </Card>
  );
}
