import { CircleCheck, CirclePause, CirclePlay, CircleX, LoaderCircle, Server } from "lucide-react";
import { useMemo } from "react";
import { PageHeader } from "@/components/ui/page-header";
import { canWrite, useMe } from "@/lib/auth";
import {
  FAILED_STATUSES,
  useEventNames,
  useNodes,
  useRunningExecutions,
  useStats,
  useSystemInfo,
  useUpcoming,
} from "./dashboard/data";
import { NextRuns } from "./dashboard/NextRuns";
import { RecentFailures } from "./dashboard/RecentFailures";
import { RunningNow } from "./dashboard/RunningNow";
import { RunsChart } from "./dashboard/RunsChart";
import { StatTile } from "./dashboard/StatTile";
import { SystemCard } from "./dashboard/SystemCard";

export default function DashboardPage() {
  const me = useMe();
  const isAdmin = me.role === "ADMIN";
  const stats = useStats();
  const upcoming = useUpcoming();
  const names = useEventNames();
  const running = useRunningExecutions();
  const system = useSystemInfo();
  const nodes = useNodes(isAdmin);

  const s = stats.data;
  const failed = s ? FAILED_STATUSES.reduce((sum, st) => sum + (s.runs[st] ?? 0), 0) : 0;
  const failures = useMemo(
    () => (s?.recentRuns ?? []).filter((x) => FAILED_STATUSES.includes(x.status)).slice(0, 8),
    [s],
  );
  const upcomingItems = useMemo(() => upcoming.data?.pages.flatMap((p) => p.items) ?? [], [upcoming.data]);

  return (
    <>
      <PageHeader title="Dashboard" description="What runs now, what failed, what comes next." />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6 [&>*]:min-w-0">
        <StatTile
          label="Active events"
          icon={CirclePlay}
          tone="text-success"
          loading={stats.isPending}
          value={s?.events.ACTIVE ?? "—"}
          detail={s ? `${s.events.DRAFT ?? 0} draft · ${s.events.ARCHIVED ?? 0} archived` : undefined}
          to="/events?status=ACTIVE"
        />
        <StatTile
          label="Paused events"
          icon={CirclePause}
          tone="text-warning"
          loading={stats.isPending}
          value={s?.events.PAUSED ?? "—"}
          detail="schedules on hold"
          to="/events?status=PAUSED"
        />
        <StatTile
          label="Running now"
          icon={LoaderCircle}
          tone="text-info"
          loading={stats.isPending}
          value={s?.queue.running ?? "—"}
          detail={s ? `${s.queue.queued} queued` : undefined}
          to="/runs?status=QUEUED,RUNNING"
        />
        <StatTile
          label="Succeeded · 24 h"
          icon={CircleCheck}
          tone="text-success"
          loading={stats.isPending}
          value={s?.runs.SUCCEEDED ?? "—"}
          detail={s ? `of ${s.runs.total} runs` : undefined}
          to="/runs?status=SUCCEEDED"
        />
        <StatTile
          label="Failed · 24 h"
          icon={CircleX}
          tone={failed > 0 ? "text-danger" : undefined}
          loading={stats.isPending}
          value={s ? failed : "—"}
          detail={s ? `${s.runs.TIMED_OUT ?? 0} timed out · ${s.runs.LOST ?? 0} lost` : undefined}
          to="/runs?status=FAILED,TIMED_OUT,LOST"
        />
        <StatTile
          label="Nodes alive"
          icon={Server}
          loading={stats.isPending}
          value={s ? `${s.nodes.alive}/${s.nodes.total}` : "—"}
          detail={system.data ? `${system.data.workers} workers here` : undefined}
        />
      </div>

      <div className="mt-4 grid gap-4 lg:grid-cols-2 [&>*]:min-w-0">
        <RunningNow
          executions={running.data?.items}
          names={names.data ?? new Map()}
          error={running.error}
          loading={running.isPending}
          canCancel={canWrite(me)}
          onRetry={() => void running.refetch()}
        />
        <RecentFailures
          failures={failures}
          names={names.data}
          error={stats.error}
          loading={stats.isPending}
          onRetry={() => void stats.refetch()}
        />
      </div>

      <div className="mt-4 grid gap-4 lg:grid-cols-3 [&>*]:min-w-0">
        <div className="min-w-0 space-y-4 lg:col-span-2">
          <RunsChart
            stats={s}
            names={names.data}
            error={stats.error}
            loading={stats.isPending}
            onRetry={() => void stats.refetch()}
          />
          <NextRuns
            items={upcomingItems}
            error={upcoming.error}
            loading={upcoming.isPending}
            hasMore={upcoming.hasNextPage}
            loadingMore={upcoming.isFetchingNextPage}
            onMore={() => void upcoming.fetchNextPage()}
            onRetry={() => void upcoming.refetch()}
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
