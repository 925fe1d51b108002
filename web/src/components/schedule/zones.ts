// IANA zones the browser knows, searched the way people type them ("new york", "berlin",
// "utc+5" does not exist, so names only). Pure apart from Intl.
import { formatOffset, isValidZone, offsetMinutes } from "./zoned-time";

let cached: string[] | null = null;

/** The browser's own zone ("UTC" when it cannot say). */
export function browserZone(): string {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && isValidZone(zone) ? zone : "UTC";
  } catch {
    return "UTC";
  }
}

/** Every zone this browser knows, sorted, with UTC and the browser's own zone included. */
export function allZones(): string[] {
  if (cached) return cached;
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const set = new Set(zones);
  set.add("UTC");
  set.add(browserZone());
  cached = [...set].sort((a, b) => (a === "UTC" ? -1 : b === "UTC" ? 1 : a.localeCompare(b)));
  return cached;
}

function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[_\s]+/g, " ");
}

/**
 * Zones whose name has every word of `query` (spaces and underscores alike, accents ignored),
 * the best first: the exact name, then a city that starts with the query, then a word start,
 * then anywhere. An empty query gives them all.
 */
export function searchZones(zones: readonly string[], query: string): string[] {
  const q = fold(query).trim();
  if (!q) return [...zones];
  const words = q.split(/[\s/]+/).filter(Boolean);
  const scored: [number, string][] = [];
  for (const zone of zones) {
    const name = fold(zone);
    if (!words.every((w) => name.includes(w))) continue;
    const city = fold(zone.split("/").at(-1) ?? zone);
    let score = 3;
    if (name === q) score = 0;
    else if (city.startsWith(q)) score = 1;
    else if (new RegExp(`(^|[ /])${words[0]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).test(name)) score = 2;
    scored.push([score, zone]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.map(([, zone]) => zone);
}

/** "UTC+01:00" now (or at `at`); "" for a zone the browser does not know. */
export function zoneOffsetLabel(zone: string, at = Date.now()): string {
  if (!isValidZone(zone)) return "";
  return formatOffset(offsetMinutes(at, zone));
}

/** "America/Argentina/Buenos_Aires" → "America / Argentina / Buenos Aires". */
export function zoneDisplayName(zone: string): string {
  return zone.replace(/_/g, " ").replace(/\//g, " / ");
}
