// The event editor's calls: one event in full (with its env values when the caller owns it),
// create and update.
import { api } from "@/api/client";
import type { CroniumEvent, EventType } from "@/api/types";

const V1 = "/api/v1";

export interface EventLimits {
  memoryMb: number;
  pids: number;
  cpuSeconds: number;
  cpus: number;
  diskMb: number;
  outputKb: number;
}

export interface EventAction {
  trigger: "ALWAYS" | "ON_SUCCESS" | "ON_FAILURE" | "ON_CONDITION" | string;
  type: string;
  targetEventId: string;
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** GET /events/{id} in full. */
export interface EventDetail extends CroniumEvent {
  content: string;
  runLocation?: string;
  timeoutSeconds: number;
  retries: number;
  envVars: Record<string, string>;
  httpRequest: HttpRequestSpec | null;
  priority: "LOW" | "NORMAL" | "HIGH" | "CRITICAL" | string;
  maxConcurrent: number;
  retryDelaySeconds: number;
  retryMaxDelaySeconds: number;
  retryOn: string[];
  limits: EventLimits;
  network: "none" | "host" | string;
  actions: EventAction[];
  warnings?: string[];
}

export function getEventDetail(id: string, options: { reveal?: boolean; signal?: AbortSignal } = {}) {
  return api<EventDetail>(`${V1}/events/${encodeURIComponent(id)}`, {
    query: { revealSecrets: options.reveal ? "true" : undefined },
    signal: options.signal,
  });
}

export function createEventFull(body: Record<string, unknown>) {
  return api<EventDetail>(`${V1}/events`, { method: "POST", body });
}

export function updateEventFull(id: string, body: Record<string, unknown>) {
  return api<EventDetail>(`${V1}/events/${encodeURIComponent(id)}`, { method: "PATCH", body });
}

export type { EventType };
