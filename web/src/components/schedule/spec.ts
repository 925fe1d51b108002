// The schedule spec as the builder edits it: switching kinds, defaults, where a server message
// belongs. Pure.
import { type ScheduleKind, type ScheduleSpec, SPEC_KEYS } from "@/api/schedules";
import { fieldOfCronError } from "./cron-fields";
import { keepWallTime, utcToZonedLocal, zonedLocalToUtc } from "./zoned-time";

export const KINDS: readonly { kind: ScheduleKind; label: string; explain: string }[] = [
  { kind: "MANUAL", label: "Manual", explain: "Runs only when started by hand, by a webhook or by a workflow." },
  { kind: "INTERVAL", label: "Interval", explain: "Runs every so often, counted from the start time." },
  { kind: "CRON", label: "Cron", explain: "Runs at the times a cron expression names, in the schedule's time zone." },
  { kind: "ONCE", label: "Once", explain: "Runs one time, at a date and time." },
];

export const DEFAULT_CRON = "0 9 * * *";
export const DEFAULT_INTERVAL_SECONDS = 3600;

/** What each kind had before the user switched away, so switching back restores it. */
export interface KindMemory {
  cron?: string | null;
  intervalSeconds?: number | null;
  at?: string | null;
}

/** 09:00 tomorrow in `zone`, as RFC 3339 UTC (the first value of a new Once schedule). */
export function tomorrowAtNine(zone: string, now = Date.now()): string | null {
  const today = utcToZonedLocal(new Date(now).toISOString(), zone, true);
  if (!today) return null;
  const date = new Date(`${today.slice(0, 10)}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return zonedLocalToUtc(`${date.toISOString().slice(0, 10)}T09:00`, zone)?.utc ?? null;
}

/**
 * `spec` as `kind`: the fields of the other kinds cleared (the server refuses them), this
 * kind's field from `memory` or a default, everything else (zone, policies, limits) kept.
 */
export function withKind(spec: ScheduleSpec, kind: ScheduleKind, memory: KindMemory, zone: string): ScheduleSpec {
  const next: ScheduleSpec = { ...spec, kind, cron: null, intervalSeconds: null, at: null };
  if (kind === "CRON") next.cron = memory.cron || spec.cron || DEFAULT_CRON;
  if (kind === "INTERVAL") next.intervalSeconds = memory.intervalSeconds || spec.intervalSeconds || DEFAULT_INTERVAL_SECONDS;
  if (kind === "ONCE") next.at = memory.at || spec.at || tomorrowAtNine(zone);
  return next;
}

/** The kind-specific fields of `spec`, to remember when switching away. */
export function rememberKind(memory: KindMemory, spec: ScheduleSpec): KindMemory {
  if (spec.kind === "CRON" && spec.cron) return { ...memory, cron: spec.cron };
  if (spec.kind === "INTERVAL" && spec.intervalSeconds) return { ...memory, intervalSeconds: spec.intervalSeconds };
  if (spec.kind === "ONCE" && spec.at) return { ...memory, at: spec.at };
  return memory;
}

/**
 * `spec` in another zone, keeping the wall times the user typed (a Once at 10:00 stays at
 * 10:00, now in `to`).
 */
export function withZone(spec: ScheduleSpec, timezone: string | null, from: string, to: string): ScheduleSpec {
  return {
    ...spec,
    timezone,
    at: spec.at ? keepWallTime(spec.at, from, to) : spec.at,
    startAt: spec.startAt ? keepWallTime(spec.startAt, from, to) : spec.startAt,
    endAt: spec.endAt ? keepWallTime(spec.endAt, from, to) : spec.endAt,
  };
}

/** Why the server need not be asked yet (nothing to preview), in words; null when it should be. */
export function incomplete(spec: ScheduleSpec): string | null {
  switch (spec.kind) {
    case "MANUAL":
      return "Manual: no scheduled runs.";
    case "CRON":
      return spec.cron?.trim() ? null : "Enter a cron expression.";
    case "INTERVAL":
      return spec.intervalSeconds ? null : "Enter an interval.";
    case "ONCE":
      return spec.at ? null : "Choose a date and time.";
    default:
      return null;
  }
}

export type SpecField = (typeof SPEC_KEYS)[number];

const SPEC_FIELDS: readonly SpecField[] = SPEC_KEYS;

/**
 * Where a server message about a schedule belongs and what to show there:
 * "schedule.cron: minute field ... 61 is out of range" → cron, "minute field ...";
 * "timezone: 'X' is not a known IANA time zone" → timezone. null field: the schedule as a whole.
 */
export function placeError(message: string): { field: SpecField | null; text: string } {
  const m = /^(?:schedule\.)?([A-Za-z]+):\s*(.*)$/s.exec(message.trim());
  if (m && (SPEC_FIELDS as readonly string[]).includes(m[1]!)) {
    return { field: m[1] as SpecField, text: m[2] || message };
  }
  if (m && m[1] === "schedule") return { field: null, text: m[2] || message };
  if (fieldOfCronError(message) || /cron expression/.test(message)) return { field: "cron", text: message };
  return { field: null, text: message };
}
