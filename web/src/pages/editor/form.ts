// The event editor's form as plain data: built from an event (or defaults), checked before
// sending, turned into the API's JSON, and the API's field-named errors ("limits.pids: ...",
// "actions[1].targetEventId: ...", "schedule.cron: ...") put back next to their fields.
import type { ScheduleSpec } from "@/api/schedules";
import type { EventStatus, EventType } from "@/api/types";
import { starterScript } from "@/components/code/helpers";
import type { EventAction, EventDetail } from "./api";

export const MASKED = "********";

/** A schedule as the API takes it (the schedule builder edits it). */
export type ScheduleValue = ScheduleSpec;

export interface KeyValue {
  key: string;
  value: string;
}

export interface EnvRow extends KeyValue {
  /** The value is the server's mask: saving keeps the stored value. */
  masked: boolean;
}

export interface EventForm {
  name: string;
  description: string;
  type: EventType;
  status: EventStatus;
  tags: string;
  shared: boolean;
  content: string;
  httpMethod: string;
  httpUrl: string;
  httpHeaders: KeyValue[];
  httpBody: string;
  schedule: ScheduleValue | null;
  timeoutSeconds: string;
  retries: string;
  retryDelaySeconds: string;
  retryMaxDelaySeconds: string;
  retryOn: string[];
  priority: string;
  maxConcurrent: string;
  memoryMb: string;
  cpus: string;
  pids: string;
  cpuSeconds: string;
  diskMb: string;
  outputKb: string;
  network: string;
  env: EnvRow[];
  actions: EventAction[];
}

export type FieldErrors = Record<string, string>;

export const SCRIPT_TYPES: EventType[] = ["BASH", "PYTHON", "NODEJS"];
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
export const ACTION_TRIGGERS = ["ON_SUCCESS", "ON_FAILURE", "ALWAYS", "ON_CONDITION"] as const;
export const ENV_KEY = /^[A-Z_][A-Z0-9_]*$/;

export function languageOf(type: EventType): "bash" | "python" | "node" {
  return type === "PYTHON" ? "python" : type === "NODEJS" ? "node" : "bash";
}

export function newEventForm(type: EventType = "BASH"): EventForm {
  return {
    name: "",
    description: "",
    type,
    status: "ACTIVE",
    tags: "",
    shared: false,
    content: SCRIPT_TYPES.includes(type) ? starterScript(languageOf(type)) : "",
    httpMethod: "GET",
    httpUrl: "",
    httpHeaders: [],
    httpBody: "",
    schedule: null,
    timeoutSeconds: "30",
    retries: "0",
    retryDelaySeconds: "1",
    retryMaxDelaySeconds: "300",
    retryOn: ["FAILED", "TIMED_OUT", "LOST"],
    priority: "NORMAL",
    maxConcurrent: "0",
    memoryMb: "0",
    cpus: "0",
    pids: "0",
    cpuSeconds: "0",
    diskMb: "0",
    outputKb: "0",
    network: "none",
    env: [],
    actions: [],
  };
}

const SCHEDULE_OUTPUT_ONLY = ["nextRunAt", "runCount"];

/** The form of an existing event; `copy` makes it a new one (a duplicate). */
export function formFromEvent(event: EventDetail, copy = false): EventForm {
  let schedule: ScheduleValue | null = null;
  if (event.schedule && event.schedule.kind !== "MANUAL") {
    const s: Record<string, unknown> = { ...event.schedule };
    for (const k of SCHEDULE_OUTPUT_ONLY) delete s[k];
    for (const [k, v] of Object.entries(s)) if (v === null) delete s[k];
    schedule = s as unknown as ScheduleValue;
  }
  const env = Object.entries(event.envVars ?? {}).map(([key, value]) => ({
    key,
    // A copy cannot keep a masked value (the new event has none stored): the user re-enters it.
    value: copy && value === MASKED ? "" : value,
    masked: !copy && value === MASKED,
  }));
  return {
    name: copy ? `${event.name} (copy)`.slice(0, 200) : event.name,
    description: event.description ?? "",
    type: event.type,
    status: copy ? "PAUSED" : event.status === "ARCHIVED" ? "ARCHIVED" : event.status,
    tags: (event.tags ?? []).join(", "),
    shared: event.shared,
    content: event.content ?? "",
    httpMethod: event.httpRequest?.method ?? "GET",
    httpUrl: event.httpRequest?.url ?? "",
    httpHeaders: Object.entries(event.httpRequest?.headers ?? {}).map(([key, value]) => ({ key, value })),
    httpBody: event.httpRequest?.body ?? "",
    schedule,
    timeoutSeconds: String(event.timeoutSeconds),
    retries: String(event.retries),
    retryDelaySeconds: String(event.retryDelaySeconds),
    retryMaxDelaySeconds: String(event.retryMaxDelaySeconds),
    retryOn: [...(event.retryOn ?? [])],
    priority: event.priority,
    maxConcurrent: String(event.maxConcurrent),
    memoryMb: String(event.limits?.memoryMb ?? 0),
    cpus: String(event.limits?.cpus ?? 0),
    pids: String(event.limits?.pids ?? 0),
    cpuSeconds: String(event.limits?.cpuSeconds ?? 0),
    diskMb: String(event.limits?.diskMb ?? 0),
    outputKb: String(event.limits?.outputKb ?? 0),
    network: event.network || "none",
    env,
    actions: (event.actions ?? []).map((a) => ({ ...a })),
  };
}

function wholeNumber(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

const NUMBER_FIELDS: [keyof EventForm, string, number, number][] = [
  ["timeoutSeconds", "timeoutSeconds", 1, 7 * 24 * 3600],
  ["retries", "retries", 0, 10],
  ["retryDelaySeconds", "retryDelaySeconds", 0, 7 * 24 * 3600],
  ["retryMaxDelaySeconds", "retryMaxDelaySeconds", 0, 7 * 24 * 3600],
  ["maxConcurrent", "maxConcurrent", 0, 1000],
  ["memoryMb", "limits.memoryMb", 0, Number.MAX_SAFE_INTEGER],
  ["pids", "limits.pids", 0, Number.MAX_SAFE_INTEGER],
  ["cpuSeconds", "limits.cpuSeconds", 0, Number.MAX_SAFE_INTEGER],
  ["diskMb", "limits.diskMb", 0, Number.MAX_SAFE_INTEGER],
  ["outputKb", "limits.outputKb", 0, Number.MAX_SAFE_INTEGER],
];

export function splitTags(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

/** What the form can tell before asking the server (the server checks everything again). */
export function checkForm(form: EventForm): FieldErrors {
  const errors: FieldErrors = {};
  if (!form.name.trim()) errors.name = "A name is required.";
  else if (new TextEncoder().encode(form.name).length > 200) errors.name = "At most 200 bytes.";
  for (const [key, path, min, max] of NUMBER_FIELDS) {
    const n = wholeNumber(String(form[key]));
    if (n === null) errors[path] = "A whole number.";
    else if (n < min || n > max) errors[path] = `From ${min} to ${max}.`;
  }
  const cpus = Number(form.cpus.trim());
  if (form.cpus.trim() === "" || !Number.isFinite(cpus) || cpus < 0) errors["limits.cpus"] = "A number of cores, e.g. 0.5 or 2 (0: no limit).";
  const delay = wholeNumber(form.retryDelaySeconds);
  const maxDelay = wholeNumber(form.retryMaxDelaySeconds);
  if (delay !== null && maxDelay !== null && maxDelay < delay && !errors.retryMaxDelaySeconds) {
    errors.retryMaxDelaySeconds = "At least the first delay.";
  }
  const tags = splitTags(form.tags);
  if (new Set(tags).size !== tags.length) errors.tags = "A tag appears twice.";
  else if (tags.length > 20) errors.tags = "At most 20 tags.";
  else if (tags.some((t) => t.length > 50)) errors.tags = "Each tag at most 50 characters.";
  const keys = new Set<string>();
  form.env.forEach((row, i) => {
    if (!ENV_KEY.test(row.key)) errors[`env[${i}]`] = "Upper-case letters, digits and _, not starting with a digit.";
    else if (row.key.startsWith("CRONIUM_")) errors[`env[${i}]`] = "CRONIUM_* is set by the platform.";
    else if (keys.has(row.key)) errors[`env[${i}]`] = "This name appears twice.";
    keys.add(row.key);
  });
  if (form.type === "HTTP_REQUEST") {
    if (!/^https?:\/\/\S+$/i.test(form.httpUrl.trim())) errors["httpRequest.url"] = "An http:// or https:// URL.";
    form.httpHeaders.forEach((h, i) => {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.key)) errors[`httpRequest.headers[${i}]`] = "A header name (letters, digits, -).";
    });
  }
  form.actions.forEach((a, i) => {
    if (!a.targetEventId) errors[`actions[${i}].targetEventId`] = "Pick the event to start.";
  });
  return errors;
}

/** The API's JSON for the form (create and update send every field). */
export function formToBody(form: EventForm): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    description: form.description,
    type: form.type,
    status: form.status,
    tags: splitTags(form.tags),
    shared: form.shared,
    content: SCRIPT_TYPES.includes(form.type) ? form.content : "",
    schedule: form.schedule && form.schedule.kind !== "MANUAL" ? form.schedule : null,
    timeoutSeconds: Number(form.timeoutSeconds),
    retries: Number(form.retries),
    retryDelaySeconds: Number(form.retryDelaySeconds),
    retryMaxDelaySeconds: Number(form.retryMaxDelaySeconds),
    retryOn: form.retryOn,
    priority: form.priority,
    maxConcurrent: Number(form.maxConcurrent),
    limits: {
      memoryMb: Number(form.memoryMb),
      cpus: Number(form.cpus),
      pids: Number(form.pids),
      cpuSeconds: Number(form.cpuSeconds),
      diskMb: Number(form.diskMb),
      outputKb: Number(form.outputKb),
    },
    network: form.network,
    envVars: Object.fromEntries(form.env.map((r) => [r.key, r.masked ? MASKED : r.value])),
    actions: form.actions.map((a) => ({ trigger: a.trigger, type: a.type || "RUN_EVENT", targetEventId: a.targetEventId })),
    httpRequest:
      form.type === "HTTP_REQUEST"
        ? {
            method: form.httpMethod,
            url: form.httpUrl.trim(),
            headers: Object.fromEntries(form.httpHeaders.filter((h) => h.key).map((h) => [h.key, h.value])),
            body: form.httpBody,
          }
        : null,
  };
  return body;
}

/**
 * Where an API error belongs: its message starts with the field it is about ("limits.pids: must
 * be ..."). Returns the field path and the rest of the message, or null for a general error.
 */
export function fieldOfError(message: string): { field: string; message: string } | null {
  const m = /^([A-Za-z]+(?:\[\d+\])?(?:\.[A-Za-z]+(?:\[\d+\])?)*): (.+)$/s.exec(message);
  if (!m) return null;
  let field = m[1]!;
  const rest = m[2]!;
  // Whole-schedule errors, and a bare "timezone" (the zone check's own wording), go to the builder.
  if (field.startsWith("schedule") || field === "timezone") return { field: "schedule", message: message };
  if (field.startsWith("httpRequest.headers")) field = "httpRequest.headers";
  if (field === "envVars") {
    return { field: "env", message: rest };
  }
  return { field, message: rest };
}

/** Where each field is on the page: the section to open and the element to focus. */
export const FIELD_SECTION: Record<string, string> = {
  name: "basics",
  description: "basics",
  type: "basics",
  status: "basics",
  tags: "basics",
  content: "script",
  httpRequest: "http",
  schedule: "schedule",
  env: "env",
  actions: "actions",
};

export function sectionOf(field: string): string {
  const head = field.split(/[.[]/)[0]!;
  return FIELD_SECTION[head] ?? (field.startsWith("env[") ? "env" : "execution");
}

/** Whether two forms differ (for the unsaved-changes guard). */
export function formsDiffer(a: EventForm, b: EventForm): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
