// A cron expression in words (cronstrue), with the day rule the schedule uses. Wording only:
// whether the expression is valid and when it runs is the server's to say.
import cronstrue from "cronstrue";
import type { DayMatch } from "@/api/schedules";
import { MACROS } from "./crontab-paste";
import { splitCron } from "./cron-fields";

/**
 * Whether the two day fields combine as AND under `dayMatch` (VIXIE: when either starts with
 * `*`, as system cron does).
 */
export function daysCombineWithAnd(expression: string, dayMatch: DayMatch = "OR"): boolean {
  if (dayMatch === "AND") return true;
  if (dayMatch !== "VIXIE") return false;
  const parts = splitCron(expression);
  if (!parts) return false;
  const starred = (f: string) => f.startsWith("*") && f !== "*";
  return starred(parts.dayOfMonth) || starred(parts.dayOfWeek);
}

/** "At 09:30, Monday through Friday"; null when the expression is not one cronstrue reads. */
export function describeCron(expression: string, dayMatch: DayMatch = "OR"): string | null {
  const text = expression.trim();
  if (!text) return null;
  const macro = MACROS[text.toLowerCase()];
  const expr = macro ?? text;
  if (!splitCron(expr)) return null; // 7 fields (years) and the like: the server refuses them
  try {
    return cronstrue.toString(expr, {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
      dayOfWeekStartIndexZero: true,
      logicalAndDayFields: daysCombineWithAnd(expr, dayMatch),
    });
  } catch {
    return null;
  }
}
