// What the dashboard reads. Figures come from the list endpoints (there is no /stats yet), so
// each is computed from at most a few pages and marked as a lower bound when cut short.
import { useQuery } from "@tanstack/react-query";
import { collectPages, fetchNodes, fetchSystemInfo, listEvents, listExecutions } from "@/api/endpoints";
import type { CroniumEvent, EventStatus, Execution, RunStatus } from "@/api/types";

export const DAY_MS = 24 * 60 * 60 * 1000;

export function useAllEvents() {
  return useQuery({
    queryKey: ["events", "all"],
    queryFn: ({ signal }) =>
      collectPages((cursor) => listEvents({ limit: 200, cursor }, signal), { maxPages: 5 }),
    refetchInterval: 60_000,
  });
}

export function useRunningExecutions() {
  return useQuery({
    queryKey: ["executions", "running"],
    queryFn: ({ signal }) => listExecutions({ status: "RUNNING", limit: 100 }, signal),
    refetchInterval: 5_000,
  });
}

export function useRecentExecutions() {
  return useQuery({
    queryKey: ["executions", "last24h"],
    queryFn: async ({ signal }) => {
      const cutoff = Date.now() - DAY_MS;
      const { items, truncated } = await collectPages(
        (cursor) => listExecutions({ limit: 100, cursor }, signal),
        {
          maxPages: 10,
          // Newest first: once a page reaches past the window, the rest is older still.
          stop: (page) => page.some((x) => Date.parse(x.createdAt) < cutoff),
        },
      );
      return { items: items.filter((x) => Date.parse(x.createdAt) >= cutoff), truncated };
    },
    refetchInterval: 30_000,
  });
}

export function useSystemInfo() {
  return useQuery({
    queryKey: ["system", "info"],
    queryFn: ({ signal }) => fetchSystemInfo(signal),
    refetchInterval: 15_000,
  });
}

export function useNodes(enabled: boolean) {
  return useQuery({
    queryKey: ["system", "nodes"],
    queryFn: ({ signal }) => fetchNodes(signal),
    enabled,
    refetchInterval: 30_000,
  });
}

export function countBy<T, K extends string>(items: T[], key: (item: T) => K): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

export function eventCounts(events: CroniumEvent[]) {
  return countBy<CroniumEvent, EventStatus>(events, (e) => e.status);
}

export function runCounts(executions: Execution[]) {
  return countBy<Execution, RunStatus>(executions, (x) => x.status);
}

export const FAILED_STATUSES: RunStatus[] = ["FAILED", "TIMED_OUT", "LOST"];

export function eventNames(events: CroniumEvent[] | undefined): Map<string, string> {
  return new Map((events ?? []).map((e) => [e.id, e.name]));
}

/** Scheduled events whose next run falls in the next `hours`, soonest first. */
export function nextRuns(events: CroniumEvent[], now: number, hours = 24) {
  const end = now + hours * 60 * 60 * 1000;
  return events
    .filter((e) => e.status === "ACTIVE" && e.schedule?.nextRunAt)
    .map((e) => ({ event: e, at: Date.parse(e.schedule!.nextRunAt!) }))
    .filter((x) => !Number.isNaN(x.at) && x.at <= end)
    .sort((a, b) => a.at - b.at);
}
