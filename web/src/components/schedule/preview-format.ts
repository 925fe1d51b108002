// How the preview's instants read: the wall time in the schedule's zone (as the server computed
// it, so a skipped wall time that never exists still shows) and the same instant in the
// viewer's zone, each with its UTC offset. Pure apart from Intl.
import type { PreviewInstant } from "@/api/schedules";
import { formatOffset, offsetMinutes, parseWallTime } from "./zoned-time";

export interface TimeCell {
  /** "Tue, Dec 8, 10:00" (the year when not this year, seconds when any run has them). */
  text: string;
  /** "UTC+01:00"; "" for a wall time that does not exist. */
  offset: string;
}

function wallAsUtcMs(local: string): number | null {
  // The server writes the zone's offset after the wall time ("2026-12-08T10:00:00+01:00"),
  // except for a wall time a DST gap removed, which has none.
  const w = parseWallTime(local.replace(/(?:Z|[+-]\d{2}:\d{2})$/, ""));
  if (!w) return null;
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined, year: boolean, seconds: boolean, locale?: string): Intl.DateTimeFormat {
  const key = `${zone ?? ""}|${year}|${seconds}|${locale ?? ""}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      weekday: "short",
      month: "short",
      day: "numeric",
      ...(year ? { year: "numeric" } : {}),
      hour: "2-digit",
      minute: "2-digit",
      ...(seconds ? { second: "2-digit" } : {}),
      ...(zone ? { timeZone: zone } : {}),
    });
    cache.set(key, f);
  }
  return f;
}

/** Whether any instant falls on a second other than :00 (then every time shows seconds). */
export function needsSeconds(instants: readonly PreviewInstant[]): boolean {
  return instants.some((i) => /:\d{2}:(?!00)\d{2}/.test(i.local));
}

/** The instant's wall time in the schedule's zone, from the server's `local`. */
export function scheduleCell(
  instant: PreviewInstant,
  opts: { seconds: boolean; now?: number; locale?: string },
): TimeCell {
  const wall = wallAsUtcMs(instant.local);
  if (wall === null) return { text: instant.local, offset: "" };
  const thisYear = new Date(opts.now ?? Date.now()).getUTCFullYear();
  const text = formatter("UTC", new Date(wall).getUTCFullYear() !== thisYear, opts.seconds, opts.locale).format(wall);
  if (instant.dst === "SKIPPED") return { text, offset: "" };
  const utc = Date.parse(instant.utc);
  return { text, offset: Number.isNaN(utc) ? "" : formatOffset(Math.round((wall - utc) / 60000)) };
}

/** The instant in `zone` (the viewer's). */
export function viewerCell(
  instant: PreviewInstant,
  zone: string,
  opts: { seconds: boolean; now?: number; locale?: string },
): TimeCell {
  const utc = Date.parse(instant.utc);
  if (Number.isNaN(utc)) return { text: instant.utc, offset: "" };
  const thisYear = new Date(opts.now ?? Date.now()).getUTCFullYear();
  const year = Number(new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric" }).format(utc));
  const text = formatter(zone, year !== thisYear, opts.seconds, opts.locale).format(utc);
  return { text, offset: formatOffset(offsetMinutes(utc, zone)) };
}
