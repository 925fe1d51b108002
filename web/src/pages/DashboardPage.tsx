import { CircleCheck, CirclePause, CirclePlay, CircleX, LoaderCircle, Server } from "lucide-react";
import { PageHeader } from "@/components/ui/page-header";
import { canWrite, useMe } from "@/lib/auth";
import {
  eventCounts,
  eventNames,
  FAILED_STATUSES,
  runCounts,
  useAllEvents,
  useNodes,
  useRecentExecutions,
  useRunningExecutions,
  useSystemInfo,
} from "./dashboard/data";
import { NextRuns } from "./dashboard/NextRuns";
import { RecentFailures } from "./dashboard/RecentFailures";
import { RunningNow } from "./dashboard/RunningNow";
import { RunsBreakdown } from "./dashboard/RunsBreakdown";
import { StatTile } from "./dashboard/StatTile";
import { SystemCard } from "./dashboard/SystemCard";

function atLeast(n: number, truncated: boolean | undefined): string {
  return truncated ? `${n}+` : String(n);
}

export default function DashboardPage() {
  const me = useMe();
  const isAdmin = me.role === "ADMIN";
  const events = useAllEvents();
  const running = useRunningExecutions();
  const recent = useRecentExecutions();
  const system = useSystemInfo();
  const nodes = useNodes(isAdmin);

  const names = eventNames(events.data?.items);
  const ev = eventCounts(events.data?.items ?? []);
  const runs = recent.data?.items ?? [];
  const rc = runCounts(runs);
  const failed = FAILED_STATUSES.reduce((sum, s) => sum + (rc[s] ?? 0), 0);
  const failures = runs.filter((x) => FAILED_STATUSES.includes(x.status)).slice(0, 8);
  const runningCount = running.data?.items.length ?? 0;
  const aliveNodes = nodes.data?.items.filter((n) => n.alive).length ?? 0;

  return (
    <>
      <PageHeader title="Dashboard" description="What runs now, what failed, what comes next." />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6 [&>*]:min-w-0">
        <StatTile
          label="Active events"
          icon={CirclePlay}
          tone="text-success"
          loading={events.isPending}
          value={atLeast(ev.ACTIVE ?? 0, events.data?.truncated)}
          detail={`${ev.DRAFT ?? 0} draft · ${ev.ARCHIVED ?? 0} archived`}
          to="/events?status=ACTIVE"
        />
        <StatTile
          label="Paused events"
          icon={CirclePause}
          tone="text-warning"
          loading={events.isPending}
          value={atLeast(ev.PAUSED ?? 0, events.data?.truncated)}
          detail="schedules on hold"
          to="/events?status=PAUSED"
        />
        <StatTile
          label="Running now"
          icon={LoaderCircle}
          tone="text-info"
          loading={running.isPending}
          value={atLeast(runningCount, running.data?.nextCursor !== null && running.data !== undefined)}
          detail={system.data ? `${system.data.jobs.QUEUED ?? 0} queued` : undefined}
        />
        <StatTile
          label="Succeeded · 24 h"
          icon={CircleCheck}
          tone="text-success"
          loading={recent.isPending}
          value={atLeast(rc.SUCCEEDED ?? 0, recent.data?.truncated)}
          detail={`of ${atLeast(runs.length, recent.data?.truncated)} runs`}
        />
        <StatTile
          label="Failed · 24 h"
          icon={CircleX}
          tone={failed > 0 ? "text-danger" : undefined}
          loading={recent.isPending}
          value={atLeast(failed, recent.data?.truncated)}
          detail={`${rc.TIMED_OUT ?? 0} timed out · ${rc.LOST ?? 0} lost`}
        />
        {isAdmin ? (
          <StatTile
            label="Nodes alive"
            icon={Server}
            loading={nodes.isPending}
            value={nodes.data ? `${aliveNodes}/${nodes.data.items.length}` : "—"}
            detail={system.data ? `${system.data.workers} workers here` : undefined}
          />
        ) : (
          <StatTile
            label="Workers"
            icon={Server}
            loading={system.isPending}
            value={system.data?.workers ?? "—"}
            detail={system.data?.isolation}
          />
        )}
      </div>

      <div className="mt-4 grid gap-4 lg:grid-cols-2 [&>*]:min-w-0">
        <RunningNow
          executions={running.data?.items}
          names={names}
          error={running.error}
          loading={running.isPending}
          canCancel={canWrite(me)}
          onRetry={() => void running.refetch()}
        />
        <RecentFailures
          failures={failures}
          names={names}
          error={recent.error}
          loading={recent.isPending}
          onRetry={() => void recent.refetch()}
        />
      </div>

      <div className="mt-4 grid gap-4 lg:grid-cols-3 [&>*]:min-w-0">
        <div className="space-y-4 lg:col-span-2">
          <RunsBreakdown counts={rc} total={runs.length} truncated={recent.data?.truncated ?? false} />
          <NextRuns
            events={events.data?.items}
            error={events.error}
            loading={events.isPending}
            onRetry={() => void events.refetch()}
          />
        </div>
        <SystemCard
          info={system.data}
          nodes={nodes.data}
          error={system.error ?? nodes.error}
          loading={system.isPending}
          onRetry={() => {
            void system.refetch();
            if (isAdmin) void nodes.refetch();
          }}
        />
      </div>
    </>
  );
}
