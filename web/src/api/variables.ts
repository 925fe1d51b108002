// /api/v1/variables: the signed-in user's variables (keys percent-encoded in the path).
import { api } from "./client";
import type { Page } from "./types";

const V1 = "/api/v1";

export interface Variable {
  key: string;
  value: unknown;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export function listVariables(
  filter: { prefix?: string; cursor?: string | null; limit?: number },
  signal?: AbortSignal,
) {
  return api<Page<Variable>>(`${V1}/variables`, {
    query: { prefix: filter.prefix, cursor: filter.cursor, limit: filter.limit ?? 50 },
    signal,
  });
}

export function getVariable(key: string, signal?: AbortSignal) {
  return api<Variable>(`${V1}/variables/${encodeURIComponent(key)}`, { signal });
}

export function putVariable(key: string, value: unknown) {
  return api<Variable>(`${V1}/variables/${encodeURIComponent(key)}`, { method: "PUT", body: { value } });
}

export function deleteVariable(key: string) {
  return api<void>(`${V1}/variables/${encodeURIComponent(key)}`, { method: "DELETE" });
}
