// List filters live in the URL query, so reload and shared links keep them.

export interface EventListFilters {
  q: string;
  status: string;
  type: string;
}

const STATUSES = ["ACTIVE", "PAUSED", "DRAFT", "ARCHIVED"];
const TYPES = ["BASH", "PYTHON", "NODEJS", "HTTP_REQUEST", "TOOL_ACTION"];

export function readEventFilters(params: URLSearchParams): EventListFilters {
  const status = params.get("status") ?? "";
  const type = params.get("type") ?? "";
  return {
    q: (params.get("q") ?? "").slice(0, 200),
    status: STATUSES.includes(status) ? status : "",
    type: TYPES.includes(type) ? type : "",
  };
}

/** The query with `changes` applied; empty values are dropped, other keys kept. */
export function withFilters(params: URLSearchParams, changes: Partial<EventListFilters>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

export function hasFilters(filters: EventListFilters): boolean {
  return Boolean(filters.q || filters.status || filters.type);
}
