// How absolute times show: in the browser's zone, in UTC, or in the zone of the schedule they
// belong to. Kept in localStorage; every absolute time names its zone.

export type TimeDisplay = "local" | "utc" | "schedule";

export const TIME_DISPLAY_KEY = "cronium.timeDisplay";
const listeners = new Set<() => void>();

function isDisplay(value: unknown): value is TimeDisplay {
  return value === "local" || value === "utc" || value === "schedule";
}

export function getTimeDisplay(): TimeDisplay {
  try {
    const stored = window.localStorage.getItem(TIME_DISPLAY_KEY);
    return isDisplay(stored) ? stored : "local";
  } catch {
    return "local";
  }
}

export function setTimeDisplay(display: TimeDisplay): void {
  try {
    if (display === "local") window.localStorage.removeItem(TIME_DISPLAY_KEY);
    else window.localStorage.setItem(TIME_DISPLAY_KEY, display);
  } catch {
    // storage refused: lasts until reload
  }
  for (const listener of listeners) listener();
}

export function subscribeTimeDisplay(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === TIME_DISPLAY_KEY) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined): Intl.DateTimeFormat | null {
  const key = zone ?? "";
  let f = formats.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(undefined, {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        timeZoneName: "short",
        ...(zone ? { timeZone: zone } : {}),
      });
    } catch {
      return null; // not a zone this browser knows
    }
    formats.set(key, f);
  }
  return f;
}

export function isKnownZone(zone: string | null | undefined): zone is string {
  return Boolean(zone) && formatter(zone!) !== null;
}

/**
 * The zone a time shows in: undefined for the browser's own zone, "UTC", or the schedule's zone
 * (the browser's zone when there is no schedule or the browser does not know the zone).
 */
export function displayZone(display: TimeDisplay, scheduleZone?: string | null): string | undefined {
  if (display === "utc") return "UTC";
  if (display === "schedule" && isKnownZone(scheduleZone)) return scheduleZone;
  return undefined;
}

/** "Jan 2, 2026, 03:30:00 GMT+1 (Europe/Berlin)": always with the zone. */
export function formatInZone(iso: string | null | undefined, zone?: string): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "";
  const f = formatter(zone) ?? formatter(undefined)!;
  const text = f.format(at);
  // Short names like "GMT+1" are ambiguous: name an IANA zone in full.
  return zone && zone !== "UTC" && formatter(zone) ? `${text} (${zone})` : text;
}

/** An absolute time as the user's preference says, with its zone. */
export function formatTimeFor(
  iso: string | null | undefined,
  display: TimeDisplay = getTimeDisplay(),
  scheduleZone?: string | null,
): string {
  return formatInZone(iso, displayZone(display, scheduleZone));
}

export const TIME_DISPLAY_LABELS: Record<TimeDisplay, string> = {
  local: "Your local time",
  utc: "UTC",
  schedule: "The schedule's time zone",
};
