// Cron expressions split into fields, and one field <-> the model a picker edits. Pure.
//
// A picker understands the common shapes (`*`, `*/n`, `a/n`, `a-b`, `a,b,c`); anything else
// (`L`, `15W`, `5#3`, mixed lists) stays as text the user edits by hand ("custom").

export type CronFieldName = "second" | "minute" | "hour" | "dayOfMonth" | "month" | "dayOfWeek";

export interface CronFieldDef {
  name: CronFieldName;
  /** As the server's error messages name it ("day-of-month field at position 7: ..."). */
  serverName: string;
  label: string;
  min: number;
  max: number;
  /** Names accepted for values, index + `namesFrom` = value (JAN = 1, SUN = 0). */
  names?: readonly string[];
  namesFrom?: number;
  /** Short labels for toggles (Jan, Mon...). */
  short?: readonly string[];
}

export const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
export const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
export const MONTH_LABELS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
export const DAY_LABELS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
export const DAY_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

export const CRON_FIELDS: Record<CronFieldName, CronFieldDef> = {
  second: { name: "second", serverName: "second", label: "Second", min: 0, max: 59 },
  minute: { name: "minute", serverName: "minute", label: "Minute", min: 0, max: 59 },
  hour: { name: "hour", serverName: "hour", label: "Hour", min: 0, max: 23 },
  dayOfMonth: { name: "dayOfMonth", serverName: "day-of-month", label: "Day of month", min: 1, max: 31 },
  month: {
    name: "month",
    serverName: "month",
    label: "Month",
    min: 1,
    max: 12,
    names: MONTH_NAMES,
    namesFrom: 1,
    short: MONTH_LABELS,
  },
  dayOfWeek: {
    name: "dayOfWeek",
    serverName: "day-of-week",
    label: "Day of week",
    // 7 is Sunday too; pickers write 0.
    min: 0,
    max: 7,
    names: DAY_NAMES,
    namesFrom: 0,
    short: DAY_LABELS,
  },
};

/** In expression order. */
export const FIELD_ORDER: readonly CronFieldName[] = ["second", "minute", "hour", "dayOfMonth", "month", "dayOfWeek"];

export type FieldModel =
  | { mode: "every" }
  /** `*\/n` when `from` is the field's minimum, else `from/n` (from there to the end). */
  | { mode: "step"; step: number; from: number }
  | { mode: "list"; values: number[] }
  | { mode: "range"; from: number; to: number }
  | { mode: "custom"; text: string };

export type FieldMode = FieldModel["mode"];

/** A value of the field (number or name); null if it is neither or out of range. */
export function parseValue(text: string, def: CronFieldDef): number | null {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= def.min && n <= def.max ? n : null;
  }
  if (def.names) {
    const idx = def.names.indexOf(text.toUpperCase() as never);
    if (idx >= 0) return idx + (def.namesFrom ?? 0);
  }
  return null;
}

function normalise(value: number, def: CronFieldDef): number {
  return def.name === "dayOfWeek" && value === 7 ? 0 : value;
}

/** The picker's model of one field's text. */
export function parseField(raw: string, def: CronFieldDef): FieldModel {
  const text = raw.trim();
  const dayField = def.name === "dayOfMonth" || def.name === "dayOfWeek";
  if (text === "*" || (dayField && text === "?")) return { mode: "every" };
  const span = def.max - def.min + 1;
  let m = /^\*\/(\d{1,4})$/.exec(text);
  if (m) {
    const step = Number(m[1]);
    return step >= 1 && step <= span ? { mode: "step", step, from: def.min } : { mode: "custom", text };
  }
  m = /^([^/,-]+)\/(\d{1,4})$/.exec(text);
  if (m) {
    const from = parseValue(m[1]!, def);
    const step = Number(m[2]);
    if (from !== null && step >= 1 && step <= span) return { mode: "step", step, from };
    return { mode: "custom", text };
  }
  m = /^([^/,-]+)-([^/,-]+)$/.exec(text);
  if (m) {
    const from = parseValue(m[1]!, def);
    const to = parseValue(m[2]!, def);
    if (from !== null && to !== null && from <= to) return { mode: "range", from, to };
    return { mode: "custom", text };
  }
  if (text !== "" && !/[/*?-]/.test(text)) {
    const values: number[] = [];
    for (const item of text.split(",")) {
      const v = parseValue(item, def);
      if (v === null) return { mode: "custom", text };
      values.push(normalise(v, def));
    }
    return { mode: "list", values: [...new Set(values)].sort((a, b) => a - b) };
  }
  return { mode: "custom", text };
}

/** The field's text for a model; null when the model is incomplete (an empty list). */
export function formatField(model: FieldModel, def: CronFieldDef): string | null {
  switch (model.mode) {
    case "every":
      return "*";
    case "step":
      return model.from === def.min ? `*/${model.step}` : `${model.from}/${model.step}`;
    case "range":
      return model.from <= model.to ? `${model.from}-${model.to}` : null;
    case "list": {
      const values = [...new Set(model.values.map((v) => normalise(v, def)))].sort((a, b) => a - b);
      return values.length ? values.join(",") : null;
    }
    case "custom":
      return model.text.trim() || null;
  }
}

/** A model of `mode` that keeps what it can of `from` (switching a picker's mode). */
export function switchMode(from: FieldModel, mode: FieldMode, def: CronFieldDef): FieldModel {
  if (from.mode === mode) return from;
  const first =
    from.mode === "list" ? (from.values[0] ?? def.min) : from.mode === "range" || from.mode === "step" ? from.from : def.min;
  switch (mode) {
    case "every":
      return { mode: "every" };
    case "step":
      return { mode: "step", step: def.name === "minute" || def.name === "second" ? 5 : 2, from: def.min };
    case "list":
      return { mode: "list", values: [first] };
    case "range": {
      const defaults: Partial<Record<CronFieldName, [number, number]>> = {
        hour: [9, 17],
        dayOfWeek: [1, 5],
        dayOfMonth: [1, 7],
      };
      const [a, b] = defaults[def.name] ?? [def.min, Math.min(def.max, def.min + 4)];
      return { mode: "range", from: a, to: b };
    }
    case "custom":
      return { mode: "custom", text: formatField(from, def) ?? "*" };
  }
}

export interface CronParts {
  /** null for a 5-field expression. */
  second: string | null;
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
}

/** The fields of a 5- or 6-field expression; null for anything else (macros, wrong counts). */
export function splitCron(expression: string): CronParts | null {
  const t = expression.trim().split(/\s+/).filter(Boolean);
  if (t.length === 5) {
    return { second: null, minute: t[0]!, hour: t[1]!, dayOfMonth: t[2]!, month: t[3]!, dayOfWeek: t[4]! };
  }
  if (t.length === 6) {
    return { second: t[0]!, minute: t[1]!, hour: t[2]!, dayOfMonth: t[3]!, month: t[4]!, dayOfWeek: t[5]! };
  }
  return null;
}

export function joinCron(parts: CronParts): string {
  const five = [parts.minute, parts.hour, parts.dayOfMonth, parts.month, parts.dayOfWeek];
  return (parts.second === null ? five : [parts.second, ...five]).join(" ");
}

/** Parses a list typed into a picker ("0, 15,30"); null if an item is not a value. */
export function parseValueList(text: string, def: CronFieldDef): number[] | null {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (!items.length) return [];
  const values: number[] = [];
  for (const item of items) {
    const v = parseValue(item, def);
    if (v === null) return null;
    values.push(normalise(v, def));
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Which field a server message about a cron expression names ("minute field at position 3:
 * 61 is out of range 0-59"), so the picker can show it; null when none.
 */
export function fieldOfCronError(message: string): CronFieldName | null {
  const m = /(?:^|[\s:])(second|minute|hour|day-of-month|month|day-of-week) field\b/.exec(message);
  if (!m) return null;
  const found = FIELD_ORDER.find((name) => CRON_FIELDS[name].serverName === m[1]);
  return found ?? null;
}
