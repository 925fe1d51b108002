import type { RunStatus } from "@/api/types";
import { Card, CardHeader } from "@/components/ui/card";
import { RUN_STATUS } from "@/components/ui/status";
import { cn } from "@/lib/utils";

const ORDER: RunStatus[] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "LOST", "CANCELLED", "RUNNING", "QUEUED"];
const FILL: Record<RunStatus, string> = {
  SUCCEEDED: "bg-success",
  FAILED: "bg-danger",
  TIMED_OUT: "bg-warning",
  LOST: "bg-warning/60",
  CANCELLED: "bg-muted-foreground/50",
  RUNNING: "bg-info",
  QUEUED: "bg-muted-foreground/30",
};

/** Runs of the last 24 h by status: a bar plus a legend that says each count in words. */
export function RunsBreakdown({
  counts,
  total,
  truncated,
}: {
  counts: Partial<Record<RunStatus, number>>;
  total: number;
  truncated: boolean;
}) {
  const present = ORDER.filter((s) => (counts[s] ?? 0) > 0);
  return (
    <Card>
      <CardHeader
        titleId="runs-24h"
        title="Runs in the last 24 hours"
        description={truncated ? `At least ${total} (only the newest pages were read)` : `${total} in total`}
      />
      <section aria-labelledby="runs-24h" className="px-4 py-3">
        {total === 0 ? (
          <p className="text-sm text-muted-foreground">No runs in the last 24 hours.</p>
        ) : (
          <>
            <div className="flex h-2.5 overflow-hidden rounded-full bg-muted" aria-hidden="true">
              {present.map((s) => (
                <div key={s} className={cn("h-full", FILL[s])} style={{ width: `${((counts[s] ?? 0) / total) * 100}%` }} />
              ))}
            </div>
            <ul className="mt-3 flex flex-wrap gap-x-5 gap-y-1.5 text-sm">
              {ORDER.map((s) => {
                const look = RUN_STATUS[s];
                const n = counts[s] ?? 0;
                return (
                  <li key={s} className={cn("flex items-center gap-1.5", n === 0 && "text-muted-foreground")}>
                    <look.icon className={cn("size-3.5", look.tone)} aria-hidden="true" />
                    <span>{look.label}</span>
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
