// The calls and shapes of one event's page: the event itself, its runs, ledger, next runs,
// webhooks and audit trail.
import { listAudit } from "./admin";
import { api } from "./client";
import type { CroniumEvent, EventStatus, ExecutionDetail, Page, RunStarted } from "./types";

const V1 = "/api/v1";
const eventPath = (id: string) => `${V1}/events/${encodeURIComponent(id)}`;

/** GET /events/{id} answers more than the list does; the page reads these extra fields. */
export interface EventDetail extends CroniumEvent {
  content?: string;
  timeoutSeconds?: number;
  retries?: number;
  priority?: string;
  maxConcurrent?: number;
  runLocation?: string;
  warnings?: string[];
  /** Not sent by the server yet (RenderEvent has no owner); read when it is. */
  ownerId?: string;
  schedule: (CroniumEvent["schedule"] & {
    overlapPolicy?: string;
    misfirePolicy?: string;
    catchUpWindowSeconds?: number;
  }) | null;
}

export function fetchEvent(id: string, signal?: AbortSignal) {
  return api<EventDetail>(eventPath(id), { signal });
}

export function patchEventStatus(id: string, status: EventStatus) {
  return api<EventDetail>(eventPath(id), { method: "PATCH", body: { status } });
}

export function deleteEvent(id: string) {
  return api<void>(eventPath(id), { method: "DELETE" });
}

/** POST /events/{id}/run; `input` undefined sends no input (the run gets `{}`). */
export function startRun(id: string, input?: unknown) {
  return api<RunStarted>(`${eventPath(id)}/run`, {
    method: "POST",
    body: input === undefined ? {} : { input },
  });
}

export interface EventExecutionFilter {
  status?: string;
  view?: "summary";
  cursor?: string | null;
  limit?: number;
}

export function listEventExecutions(id: string, filter: EventExecutionFilter, signal?: AbortSignal) {
  return api<Page<ExecutionDetail>>(`${eventPath(id)}/executions`, {
    query: {
      status: filter.status,
      view: filter.view ?? "summary",
      cursor: filter.cursor,
      limit: filter.limit ?? 50,
    },
    signal,
  });
}

/** One planned occurrence of the schedule and what became of it. */
export interface LedgerEntry {
  id: string;
  plannedAt: string;
  enqueuedAt: string | null;
  latenessMs: number | null;
  fate: string;
  detail: string;
  /** A pause's RESUMED row: how many occurrences it covered, up to which one. */
  occurrences: number | null;
  lastPlannedAt: string | null;
  jobId?: string | null;
  executionId?: string | null;
}

export function listLedger(id: string, cursor: string | null, signal?: AbortSignal) {
  return api<Page<LedgerEntry>>(`${eventPath(id)}/ledger`, { query: { cursor, limit: 50 }, signal });
}

export interface PreviewInstant {
  utc: string;
  local: string;
  dst: "SHIFTED" | "REPEATED" | "SKIPPED" | null;
  /** SKIPPED rows: how many wall-clock times the gap removed. */
  skipped?: number;
}

export interface SchedulePreview {
  eventId: string;
  status: EventStatus;
  timezone: string;
  instants: PreviewInstant[];
  never: boolean;
  warnings: string[];
}

export function previewEventSchedule(id: string, count = 5, signal?: AbortSignal) {
  return api<SchedulePreview>(`${eventPath(id)}/schedule/preview`, { query: { count }, signal });
}

export interface Webhook {
  id: string;
  targetType: "EVENT" | "WORKFLOW" | string;
  targetId: string;
  /** The path with the key, e.g. /api/v1/hooks/R2x8…; prefix the server's origin. */
  url: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The answer to a creation: the only time the secret is sent. */
export interface WebhookCreated extends Webhook {
  secret: string;
  signing: string;
}

export function listEventWebhooks(id: string, signal?: AbortSignal) {
  return api<Page<Webhook>>(`${eventPath(id)}/webhooks`, { signal });
}

export function createEventWebhook(id: string) {
  return api<WebhookCreated>(`${eventPath(id)}/webhooks`, { method: "POST", body: {} });
}

export function deleteWebhook(id: string) {
  return api<void>(`${V1}/webhooks/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** The audit entries about one event (the audit log's own call, filtered to it). */
export function listEventAudit(id: string, cursor: string | null, signal?: AbortSignal) {
  return listAudit({ targetType: "event", targetId: id }, cursor, signal);
}
