// Schedules: the spec an event or workflow carries in `schedule`, and the preview of its next
// runs (POST /api/v1/schedules/preview), computed by the server's own scheduler.
import { api } from "./client";

const V1 = "/api/v1";

export type ScheduleKind = "MANUAL" | "CRON" | "INTERVAL" | "ONCE";
export type MisfirePolicy = "SKIP" | "RUN_ONCE" | "RUN_ALL";
export type OverlapPolicy = "SKIP" | "BUFFER_ONE" | "BUFFER_ALL" | "CANCEL_PREVIOUS" | "ALLOW";
export type DstGapPolicy = "AUTO" | "SHIFT" | "SKIP";
export type DstOverlapPolicy = "AUTO" | "ONCE" | "TWICE";
export type DayMatch = "OR" | "AND" | "VIXIE";

/**
 * What a schedule says. Only `kind` is required; a missing or null field takes the server's
 * default (timezone: the server's zone; misfire SKIP with a 3600 s window; overlap SKIP; DST
 * AUTO; dayMatch OR). `cron` is only for CRON, `intervalSeconds` only for INTERVAL and `at`
 * only for ONCE: the server refuses them on another kind.
 */
export interface ScheduleSpec {
  kind: ScheduleKind;
  /** 5 fields, or 6 with seconds first. */
  cron?: string | null;
  intervalSeconds?: number | null;
  /** RFC 3339 (ONCE). */
  at?: string | null;
  /** IANA name; null or absent: the server's zone. */
  timezone?: string | null;
  startAt?: string | null;
  endAt?: string | null;
  /** null or absent: unlimited. */
  maxRuns?: number | null;
  misfirePolicy?: MisfirePolicy;
  catchUpWindowSeconds?: number;
  overlapPolicy?: OverlapPolicy;
  dstGapPolicy?: DstGapPolicy;
  dstOverlapPolicy?: DstOverlapPolicy;
  dayMatch?: DayMatch;
}

export type PreviewDst = "SHIFTED" | "REPEATED" | "SKIPPED";

export interface PreviewInstant {
  utc: string;
  /** Wall-clock time in the schedule's zone with its offset ("2026-12-08T10:00:00+01:00"); a
   * SKIPPED wall time (which never exists) has no offset ("2026-03-29T02:13:00"). */
  local: string;
  /** SHIFTED: moved out of a spring-forward gap; REPEATED: the second of a fall-back pair;
   * SKIPPED: wall times a gap removed (not a run; `skipped` says how many). */
  dst: PreviewDst | null;
  skipped?: number;
}

export interface SchedulePreview {
  kind: ScheduleKind;
  timezone: string;
  dayMatch: DayMatch;
  dstGapPolicy: DstGapPolicy;
  dstOverlapPolicy: DstOverlapPolicy;
  /** What AUTO chose for this schedule; null when nothing applies. */
  appliedDstGapPolicy: Exclude<DstGapPolicy, "AUTO"> | null;
  appliedDstOverlapPolicy: Exclude<DstOverlapPolicy, "AUTO"> | null;
  instants: PreviewInstant[];
  /** The schedule has no future run. */
  never: boolean;
  warnings: string[];
}

/** Every field a schedule spec may carry, in the order requests write them. */
export const SPEC_KEYS = [
  "kind",
  "cron",
  "intervalSeconds",
  "at",
  "timezone",
  "startAt",
  "endAt",
  "maxRuns",
  "misfirePolicy",
  "catchUpWindowSeconds",
  "overlapPolicy",
  "dstGapPolicy",
  "dstOverlapPolicy",
  "dayMatch",
] as const satisfies readonly (keyof ScheduleSpec)[];

/**
 * The spec as a request carries it: only the writable fields (an event's `nextRunAt` and
 * `runCount` dropped), without undefined ones, in a stable order (usable as a cache key).
 */
export function toRequestSpec(spec: ScheduleSpec): ScheduleSpec {
  const out: Record<string, unknown> = {};
  const source = spec as unknown as Record<string, unknown>;
  for (const key of SPEC_KEYS) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out as unknown as ScheduleSpec;
}

/** The next `count` runs of `spec` (after `from`, default now), as the server's scheduler sees them. */
export function previewSchedule(
  spec: ScheduleSpec,
  count = 10,
  signal?: AbortSignal,
  from?: string,
): Promise<SchedulePreview> {
  return api<SchedulePreview>(`${V1}/schedules/preview`, {
    method: "POST",
    body: { schedule: toRequestSpec(spec), count, ...(from ? { from } : {}) },
    signal,
  });
}
