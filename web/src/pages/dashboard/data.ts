// What the dashboard reads: GET /stats (counts, the window's runs for the chart, queue, nodes),
// GET /schedules/upcoming (every planned run, paged), the running executions, the system.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { fetchNodes, fetchStats, fetchSystemInfo, listEvents, listExecutions, listUpcoming } from "@/api/endpoints";
import type { RunStatus } from "@/api/types";

export const DAY_MS = 24 * 60 * 60 * 1000;

export function useStats() {
  return useQuery({
    queryKey: ["stats", "24h"],
    queryFn: ({ signal }) => fetchStats("24h", signal),
    refetchInterval: 15_000,
  });
}

export function useUpcoming(pageSize = 8) {
  return useInfiniteQuery({
    queryKey: ["schedules", "upcoming", pageSize],
    queryFn: ({ pageParam, signal }) => listUpcoming({ hours: 24, limit: pageSize, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 60_000,
  });
}

/** Event names for runs that come without one (the first 200 events; the rest show their id). */
export function useEventNames() {
  return useQuery({
    queryKey: ["events", "names"],
    queryFn: ({ signal }) => listEvents({ limit: 200 }, signal),
    staleTime: 60_000,
    select: (page) => new Map(page.items.map((e) => [e.id, e.name])),
  });
}

export function useRunningExecutions() {
  return useQuery({
    queryKey: ["executions", "running"],
    queryFn: ({ signal }) => listExecutions({ status: "RUNNING", limit: 100, view: "summary" }, signal),
    refetchInterval: 5_000,
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

export const FAILED_STATUSES: RunStatus[] = ["FAILED", "TIMED_OUT", "LOST"];
