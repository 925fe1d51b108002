import { CircleCheck } from "lucide-react";
import { Link } from "react-router";
import type { StatsRun } from "@/api/types";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RunStatusBadge } from "@/components/ui/status";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration } from "@/lib/time";

export function RecentFailures({
  failures,
  names,
  error,
  loading,
  onRetry,
}: {
  failures: StatsRun[];
  names: Map<string, string> | undefined;
  error: unknown;
  loading: boolean;
  onRetry: () => void;
}) {
  return (
    <Card>
      <CardHeader
        titleId="recent-failures"
        title="Recent failures"
        description="Failed, timed out or lost in the last 24 hours"
        actions={
          <Link to="/runs?status=FAILED,TIMED_OUT,LOST" className="text-xs font-medium text-primary hover:underline">
            All failures
          </Link>
        }
      />
      <section aria-labelledby="recent-failures">
        {loading ? (
          <div className="p-6 text-center">
            <Spinner />
          </div>
        ) : error ? (
          <ErrorState error={error} onRetry={onRetry} className="m-3" />
        ) : failures.length === 0 ? (
          <EmptyState icon={CircleCheck} title="No failures in the last 24 hours" className="py-8" />
        ) : (
          <ul className="divide-y divide-border">
            {failures.map((x) => (
              <li key={x.id} className="flex items-center gap-3 px-4 py-2.5">
                <div className="min-w-0 flex-1">
                  <Link to={`/runs/${x.id}`} className="block truncate text-sm font-medium hover:underline">
                    {names?.get(x.eventId) ?? x.eventId}
                  </Link>
                  <div className="truncate text-xs text-muted-foreground">
                    <span className="font-mono">{x.id}</span>
                    {x.durationMs !== null ? ` · ${formatDuration(x.durationMs)}` : ""}
                  </div>
                </div>
                <RunStatusBadge status={x.status} />
                <div className="hidden w-20 text-right text-xs text-muted-foreground sm:block">
                  <RelativeTime iso={x.startedAt} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </Card>
  );
}
