// The runs list's filters, kept in the URL (?status=&event=&from=&to=), and how a page of
// executions is asked for: the server narrows what it can; the list narrows again, so a server
// that ignores `since`/`until` still shows the right rows.
import { ApiError } from "@/api/client";
import { listExecutions } from "@/api/endpoints";
import type { ExecutionDetail, Page, RunStatus } from "@/api/types";

export const RUN_STATUSES: RunStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST"];

/** Groups offered besides the single statuses. */
export const STATUS_GROUPS: { value: string; label: string }[] = [
  { value: "QUEUED,RUNNING", label: "Queued or running" },
  { value: "FAILED,TIMED_OUT,LOST", label: "Failed, timed out or lost" },
];

export interface RunFilters {
  status: string;
  event: string;
  from: string;
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function readRunFilters(params: URLSearchParams): RunFilters {
  const status = (params.get("status") ?? "").split(",").filter((s) => RUN_STATUSES.includes(s as RunStatus));
  const event = params.get("event") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  return {
    status: status.join(","),
    event: ID.test(event) ? event : "",
    from: DAY.test(from) ? from : "",
    to: DAY.test(to) ? to : "",
  };
}

export function hasRunFilters(f: RunFilters): boolean {
  return Boolean(f.status || f.event || f.from || f.to);
}

/** The local day's start as an instant; `to` days end at the next day's start. */
export function dayStart(day: string, plusDays = 0): Date | null {
  if (!DAY.test(day)) return null;
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const at = new Date(y, m - 1, d + plusDays);
  return Number.isNaN(at.getTime()) ? null : at;
}

export function rangeOf(f: RunFilters): { since?: string; until?: string } {
  return {
    since: dayStart(f.from)?.toISOString(),
    until: dayStart(f.to, 1)?.toISOString(),
  };
}

/** Whether a run passes the filters (what the server may not have applied). */
export function matchesRun(x: ExecutionDetail, f: RunFilters): boolean {
  if (f.status && !f.status.split(",").includes(x.status)) return false;
  if (f.event && x.eventId !== f.event) return false;
  const { since, until } = rangeOf(f);
  const at = Date.parse(x.createdAt);
  if (since && at < Date.parse(since)) return false;
  if (until && at >= Date.parse(until)) return false;
  return true;
}

export async function fetchRunsPage(f: RunFilters, cursor: string | null, signal?: AbortSignal): Promise<Page<ExecutionDetail>> {
  const base = { eventId: f.event || undefined, ...rangeOf(f), view: "summary" as const, cursor, limit: 50 };
  let page: Page<ExecutionDetail>;
  try {
    page = await listExecutions({ ...base, status: f.status || undefined }, signal);
  } catch (e) {
    // A server without `status=A,B` refuses the list: ask for all and filter here.
    if (!(e instanceof ApiError && e.status === 400 && f.status.includes(","))) throw e;
    page = await listExecutions(base, signal);
  }
  return { ...page, items: page.items.filter((x) => matchesRun(x, f)) };
}

export const isLive = (x: { status: RunStatus }) => x.status === "QUEUED" || x.status === "RUNNING";
export const isTerminal = (status: string | undefined) =>
  status === "SUCCEEDED" || status === "FAILED" || status === "TIMED_OUT" || status === "CANCELLED" || status === "LOST";
