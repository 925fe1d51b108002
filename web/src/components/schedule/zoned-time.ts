// Wall-clock times in an IANA zone <-> instants, with the browser's Intl (no tz database of our
// own). A wall time that a DST change removes or repeats is resolved as Temporal's
// "compatible" rule does: a skipped time moves forward by the gap, a repeated one takes the
// earlier instant. Pure (apart from Intl).

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function partsFormatter(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        era: "short",
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether this browser knows the zone. */
export function isValidZone(zone: string | null | undefined): zone is string {
  return Boolean(zone) && partsFormatter(zone!) !== null;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in `zone` at `ms` (Unix milliseconds). */
export function wallTimeAt(ms: number, zone: string): WallTime {
  const f = partsFormatter(zone);
  if (!f) throw new RangeError(`unknown time zone: ${zone}`);
  const out: Record<string, number> = {};
  let bc = false;
  for (const p of f.formatToParts(ms)) {
    if (p.type === "era") bc = p.value.startsWith("B");
    else if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  const year = bc ? 1 - out.year! : out.year!;
  return { year, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

function wallMs(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

/** The zone's offset from UTC at `ms`, in minutes (Berlin in winter: 60). */
export function offsetMinutes(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((wallMs(wallTimeAt(whole, zone)) - whole) / 60000);
}

/** 60 → "UTC+01:00", -330 → "UTC-05:30", 0 → "UTC". */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return "UTC";
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  const h = String(Math.floor(abs / 60)).padStart(2, "0");
  const m = String(abs % 60).padStart(2, "0");
  return `UTC${sign}${h}:${m}`;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/** "2026-03-29T02:30" or with seconds; null when it is not one (or not a real date). */
export function parseWallTime(text: string): WallTime | null {
  const m = LOCAL.exec(text.trim());
  if (!m) return null;
  const w: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
  };
  if (w.month < 1 || w.month > 12 || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
  const check = new Date(wallMs(w));
  if (check.getUTCDate() !== w.day || check.getUTCMonth() + 1 !== w.month) return null;
  return w;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "2026-03-29T02:30" (seconds only when not zero, or when `withSeconds`). */
export function formatWallTime(w: WallTime, withSeconds = false): string {
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  return withSeconds || w.second !== 0 ? `${base}:${pad(w.second)}` : base;
}

/** An instant as a datetime-local value in `zone`; "" for null or an unparsable instant. */
export function utcToZonedLocal(iso: string | null | undefined, zone: string, withSeconds = false): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !isValidZone(zone)) return "";
  return formatWallTime(wallTimeAt(ms, zone), withSeconds);
}

/** RFC 3339 UTC without milliseconds: "2026-03-29T01:30:00Z". */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface ZonedResolution {
  /** RFC 3339, UTC. */
  utc: string;
  /**
   * gap: the wall time does not exist (clocks spring forward); `local` is when it happens
   * instead. ambiguous: it happens twice (clocks fall back); the earlier instant was taken.
   */
  adjustment: null | { kind: "gap"; local: string } | { kind: "ambiguous"; laterUtc: string };
}

/** A wall time in `zone` as an instant; null if the text or the zone is not valid. */
export function zonedLocalToUtc(local: string, zone: string): ZonedResolution | null {
  const w = parseWallTime(local);
  if (!w || !isValidZone(zone)) return null;
  const asUtc = wallMs(w);
  const day = 86400000;
  const offsets = new Set([offsetMinutes(asUtc - day, zone), offsetMinutes(asUtc, zone), offsetMinutes(asUtc + day, zone)]);
  const valid: number[] = [];
  for (const o of offsets) {
    const t = asUtc - o * 60000;
    if (offsetMinutes(t, zone) === o) valid.push(t);
  }
  valid.sort((a, b) => a - b);
  if (valid.length === 1) return { utc: toRfc3339(valid[0]!), adjustment: null };
  if (valid.length > 1) {
    return { utc: toRfc3339(valid[0]!), adjustment: { kind: "ambiguous", laterUtc: toRfc3339(valid.at(-1)!) } };
  }
  // In a gap: the offset before it applies, which lands after the gap by as much as the time
  // was into it (02:30 in a 02:00-03:00 gap becomes 03:30).
  const before = offsetMinutes(asUtc - day, zone);
  const t = asUtc - before * 60000;
  return { utc: toRfc3339(t), adjustment: { kind: "gap", local: formatWallTime(wallTimeAt(t, zone)) } };
}

/**
 * An instant's wall time moved to another zone: the same clock reading in `to` as it had in
 * `from` (changing a schedule's zone keeps "10:00" as typed). null in, null out.
 */
export function keepWallTime(iso: string | null | undefined, from: string, to: string): string | null {
  if (!iso) return null;
  if (from === to) return iso;
  const local = utcToZonedLocal(iso, from, true);
  if (!local) return iso;
  return zonedLocalToUtc(local, to)?.utc ?? iso;
}
