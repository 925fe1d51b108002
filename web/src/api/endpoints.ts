// One function per REST call the UI makes.
import { api, setCsrfToken } from "./client";
import type {
  CroniumEvent,
  EventStatus,
  EventType,
  ExecutionDetail,
  LoginResponse,
  Me,
  NodesResponse,
  Page,
  RunStarted,
  RunStatus,
  Stats,
  SystemInfo,
  UpcomingPage,
} from "./types";

const V1 = "/api/v1";

export async function login(username: string, password: string): Promise<LoginResponse> {
  const answer = await api<LoginResponse>(`${V1}/auth/login`, {
    method: "POST",
    body: { username, password },
    redirectOn401: false,
  });
  setCsrfToken(answer.csrfToken);
  return answer;
}

export async function fetchMe(options: { redirectOn401?: boolean } = {}): Promise<Me> {
  const me = await api<Me>(`${V1}/auth/me`, options);
  if (me.csrfToken) setCsrfToken(me.csrfToken);
  return me;
}

export async function logout(): Promise<void> {
  try {
    await api<void>(`${V1}/auth/logout`, { method: "POST", redirectOn401: false });
  } finally {
    setCsrfToken(null);
  }
}

export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return api<void>(`${V1}/auth/password`, {
    method: "POST",
    body: { currentPassword, newPassword },
  });
}

export interface EventFilter {
  search?: string;
  status?: EventStatus | "";
  type?: EventType | "";
  tag?: string;
  cursor?: string | null;
  limit?: number;
}

export function listEvents(filter: EventFilter = {}, signal?: AbortSignal) {
  return api<Page<CroniumEvent>>(`${V1}/events`, {
    query: {
      search: filter.search,
      status: filter.status,
      type: filter.type,
      tag: filter.tag,
      cursor: filter.cursor,
      limit: filter.limit ?? 50,
    },
    signal,
  });
}

export function runEvent(id: string, input?: unknown) {
  return api<RunStarted>(`${V1}/events/${encodeURIComponent(id)}/run`, {
    method: "POST",
    body: input === undefined ? {} : { input },
  });
}

export function setEventStatus(id: string, status: EventStatus) {
  return api<CroniumEvent>(`${V1}/events/${encodeURIComponent(id)}`, {
    method: "PATCH",
    body: { status },
  });
}

export interface ExecutionFilter {
  /** One status, or several joined by commas (servers that know `status=A,B`). */
  status?: RunStatus | string;
  eventId?: string;
  /** RFC 3339 bounds on the creation time (servers that know them; others ignore them). */
  since?: string;
  until?: string;
  /** "summary" drops stdout/stderr/output from the items (ignored by older servers). */
  view?: "summary";
  cursor?: string | null;
  limit?: number;
}

export function listExecutions(filter: ExecutionFilter = {}, signal?: AbortSignal) {
  return api<Page<ExecutionDetail>>(`${V1}/executions`, {
    query: {
      status: filter.status,
      eventId: filter.eventId,
      since: filter.since,
      until: filter.until,
      view: filter.view,
      cursor: filter.cursor,
      limit: filter.limit ?? 50,
    },
    signal,
  });
}

export function getExecution(id: string, signal?: AbortSignal) {
  return api<ExecutionDetail>(`${V1}/executions/${encodeURIComponent(id)}`, { signal });
}

export function fetchStats(window = "24h", signal?: AbortSignal) {
  return api<Stats>(`${V1}/stats`, { query: { window }, signal });
}

export function listUpcoming(options: { hours?: number; limit?: number; cursor?: string | null }, signal?: AbortSignal) {
  return api<UpcomingPage>(`${V1}/schedules/upcoming`, {
    query: { hours: options.hours ?? 24, limit: options.limit ?? 10, cursor: options.cursor },
    signal,
  });
}

export function cancelExecution(id: string) {
  return api<ExecutionDetail>(`${V1}/executions/${encodeURIComponent(id)}/cancel`, {
    method: "POST",
    body: {},
  });
}

export function fetchSystemInfo(signal?: AbortSignal) {
  return api<SystemInfo>(`${V1}/system/info`, { signal });
}

export function fetchNodes(signal?: AbortSignal) {
  return api<NodesResponse>(`${V1}/system/nodes`, { signal });
}

/**
 * Follows the cursor until `stop` says enough or `maxPages` is reached; `truncated` tells the
 * caller the figures it derives are a lower bound.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
  options: { maxPages: number; stop?: (page: T[]) => boolean },
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < options.maxPages; ++n) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    if (!page.nextCursor || options.stop?.(page.items)) return { items, truncated: false };
    cursor = page.nextCursor;
  }
  return { items, truncated: cursor !== null };
}

export function getEvent(id: string, signal?: AbortSignal) {
  return api<CroniumEvent>(`${V1}/events/${encodeURIComponent(id)}`, { signal });
}
