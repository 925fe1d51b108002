// The cron presets: a few everyday shapes with their parameters, built into an expression and
// recognised in one. Pure.
import { CRON_FIELDS, parseValue, splitCron } from "./cron-fields";

export type PresetId = "everyMinutes" | "hourly" | "daily" | "weekdays" | "weekly" | "monthly";

export interface PresetParams {
  /** Every N minutes. */
  every: number;
  minute: number;
  hour: number;
  /** 0 = Sunday. */
  dayOfWeek: number;
  dayOfMonth: number;
}

export const PRESETS: readonly { id: PresetId; label: string; uses: readonly (keyof PresetParams)[] }[] = [
  { id: "everyMinutes", label: "Every N minutes", uses: ["every"] },
  { id: "hourly", label: "Hourly at minute…", uses: ["minute"] },
  { id: "daily", label: "Daily at…", uses: ["hour", "minute"] },
  { id: "weekdays", label: "Weekdays (Mon–Fri) at…", uses: ["hour", "minute"] },
  { id: "weekly", label: "Weekly on a day at…", uses: ["dayOfWeek", "hour", "minute"] },
  { id: "monthly", label: "Monthly on day… at…", uses: ["dayOfMonth", "hour", "minute"] },
];

export const DEFAULT_PARAMS: PresetParams = { every: 5, minute: 0, hour: 9, dayOfWeek: 1, dayOfMonth: 1 };

/** Choices for "every N minutes": the divisors of 60, which keep an even spacing across hours. */
export const EVERY_MINUTES = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30] as const;

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(Number.isFinite(n) ? n : min)));
}

/** The 5-field expression of a preset. */
export function buildPreset(id: PresetId, params: Partial<PresetParams> = {}): string {
  const p = { ...DEFAULT_PARAMS, ...params };
  const m = clamp(p.minute, 0, 59);
  const h = clamp(p.hour, 0, 23);
  switch (id) {
    case "everyMinutes": {
      const n = clamp(p.every, 1, 59);
      return n === 1 ? "* * * * *" : `*/${n} * * * *`;
    }
    case "hourly":
      return `${m} * * * *`;
    case "daily":
      return `${m} ${h} * * *`;
    case "weekdays":
      return `${m} ${h} * * 1-5`;
    case "weekly":
      return `${m} ${h} * * ${clamp(p.dayOfWeek, 0, 7) % 7}`;
    case "monthly":
      return `${m} ${h} ${clamp(p.dayOfMonth, 1, 31)} * *`;
  }
}

function num(text: string, field: keyof typeof CRON_FIELDS): number | null {
  return /^\d{1,2}$/.test(text) ? parseValue(text, CRON_FIELDS[field]) : null;
}

/** The preset an expression is, with its parameters; null for anything else. */
export function matchPreset(expression: string): { id: PresetId; params: PresetParams } | null {
  const parts = splitCron(expression);
  if (!parts || parts.second !== null) return null;
  const { minute, hour, dayOfMonth: dom, month, dayOfWeek: dow } = parts;
  if (month !== "*") return null;
  const anyDom = dom === "*" || dom === "?";
  const anyDow = dow === "*" || dow === "?";

  if (hour === "*" && anyDom && anyDow) {
    if (minute === "*") return { id: "everyMinutes", params: { ...DEFAULT_PARAMS, every: 1 } };
    const step = /^\*\/(\d{1,2})$/.exec(minute);
    if (step) {
      const every = Number(step[1]);
      return every >= 1 && every <= 59 ? { id: "everyMinutes", params: { ...DEFAULT_PARAMS, every } } : null;
    }
    const m = num(minute, "minute");
    return m === null ? null : { id: "hourly", params: { ...DEFAULT_PARAMS, minute: m } };
  }

  const m = num(minute, "minute");
  const h = num(hour, "hour");
  if (m === null || h === null) return null;
  const base = { ...DEFAULT_PARAMS, minute: m, hour: h };
  if (anyDom && anyDow) return { id: "daily", params: base };
  if (anyDom) {
    const upper = dow.toUpperCase();
    if (upper === "1-5" || upper === "MON-FRI") return { id: "weekdays", params: base };
    const d = parseValue(dow, CRON_FIELDS.dayOfWeek);
    return d === null || dow.includes(",") ? null : { id: "weekly", params: { ...base, dayOfWeek: d % 7 } };
  }
  if (anyDow) {
    const d = num(dom, "dayOfMonth");
    return d === null ? null : { id: "monthly", params: { ...base, dayOfMonth: d } };
  }
  return null;
}
