import { CircleCheck } from "lucide-react";
import type { Execution } from "@/api/types";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RunStatusBadge } from "@/components/ui/status";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration } from "@/lib/time";

function reason(x: Execution): string {
  if (x.exitCode !== null && x.exitCode !== 0) return `exit ${x.exitCode}`;
  if (x.signal) return String(x.signal);
  return x.endReason || "";
}

export function RecentFailures({
  failures,
  names,
  error,
  loading,
  onRetry,
}: {
  failures: Execution[];
  names: Map<string, string>;
  error: unknown;
  loading: boolean;
  onRetry: () => void;
}) {
  return (
    <Card>
      <CardHeader titleId="recent-failures" title="Recent failures" description="Failed, timed out or lost in the last 24 hours" />
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
                  <div className="truncate text-sm font-medium">{names.get(x.eventId) ?? x.eventId}</div>
                  <div className="truncate text-xs text-muted-foreground" title={x.endReason}>
                    <span className="font-mono">{x.id}</span>
                    {reason(x) ? ` · ${reason(x)}` : ""}
                    {x.durationMs !== null ? ` · ${formatDuration(x.durationMs)}` : ""}
                  </div>
                </div>
                <RunStatusBadge status={x.status} />
                <div className="hidden w-20 text-right text-xs text-muted-foreground sm:block">
                  <RelativeTime iso={x.finishedAt ?? x.createdAt} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </Card>
  );
}
