// Durations as a number and a unit (the interval of an INTERVAL schedule, the catch-up window).
// Pure.

export type DurationUnit = "seconds" | "minutes" | "hours" | "days";

export const UNIT_SECONDS: Readonly<Record<DurationUnit, number>> = {
  seconds: 1,
  minutes: 60,
  hours: 3600,
  days: 86400,
};

export const UNITS: readonly DurationUnit[] = ["seconds", "minutes", "hours", "days"];

/** The server's bounds. */
export const MAX_INTERVAL_SECONDS = 366 * 86400;
export const MAX_CATCH_UP_SECONDS = 30 * 86400;
export const DEFAULT_CATCH_UP_SECONDS = 3600;

/** 300 → 5 minutes; the largest unit that divides evenly (0 → 0 minutes). */
export function splitDuration(
  seconds: number,
  units: readonly DurationUnit[] = UNITS,
): { amount: number; unit: DurationUnit } {
  const smallest = units[0] ?? "seconds";
  if (!Number.isFinite(seconds) || seconds <= 0) return { amount: 0, unit: units.includes("minutes") ? "minutes" : smallest };
  for (const unit of [...units].reverse()) {
    const size = UNIT_SECONDS[unit];
    if (seconds % size === 0) return { amount: seconds / size, unit };
  }
  return { amount: seconds / UNIT_SECONDS[smallest], unit: smallest };
}

export function toSeconds(amount: number, unit: DurationUnit): number {
  return Math.round(amount * UNIT_SECONDS[unit]);
}

/**
 * A typed amount in a unit, checked: whole seconds within [min, max] seconds. The error says
 * what is allowed in words.
 */
export function checkDuration(
  text: string,
  unit: DurationUnit,
  bounds: { min: number; max: number },
): { seconds: number; error?: undefined } | { seconds?: undefined; error: string } {
  const t = text.trim();
  if (t === "") return { error: "Enter a number." };
  if (!/^\d+(\.\d+)?$/.test(t)) return { error: "Enter a whole number, like 5." };
  const seconds = Number(t) * UNIT_SECONDS[unit];
  if (!Number.isInteger(seconds)) return { error: "That is not a whole number of seconds." };
  if (seconds < bounds.min) {
    return { error: bounds.min <= 0 ? "Must not be negative." : `At least ${describeSeconds(bounds.min)}.` };
  }
  if (seconds > bounds.max) return { error: `At most ${describeSeconds(bounds.max)}.` };
  return { seconds };
}

/** 300 → "5 minutes", 1 → "1 second", 90 → "90 seconds". */
export function describeSeconds(seconds: number): string {
  const { amount, unit } = splitDuration(seconds);
  if (seconds === 0) return "0 seconds";
  const singular = unit.slice(0, -1);
  return `${amount} ${amount === 1 ? singular : unit}`;
}
