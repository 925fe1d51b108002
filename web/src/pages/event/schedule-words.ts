// An event's schedule in words for its page: cron read aloud (the editor's describeCron, which
// knows the schedule's day rule; the cron text stays beside it), intervals and one-time runs as
// the lists word them (describeSchedule), with the limits a schedule may have.
import type { DayMatch } from "@/api/schedules";
import type { Schedule } from "@/api/types";
import { describeCron } from "@/components/schedule/describe";
import { describeSchedule } from "@/lib/schedule";

export interface ScheduleWords {
  /** "At 03:30", "Every 5 minutes", "Manual". */
  words: string;
  /** The cron text, when the schedule is one. */
  cron: string | null;
  /** The start, end and run limit (times as ISO for the caller to format). */
  limits: { startAt: string | null; endAt: string | null; maxRuns: number | null };
  manual: boolean;
}

function capital(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function scheduleWords(schedule: (Schedule & { dayMatch?: string }) | null | undefined): ScheduleWords {
  const limits = {
    startAt: schedule?.startAt ?? null,
    endAt: schedule?.endAt ?? null,
    maxRuns: schedule?.maxRuns ?? null,
  };
  if (!schedule || schedule.kind === "MANUAL") {
    return { words: "Manual", cron: null, limits, manual: true };
  }
  if (schedule.kind === "CRON" && schedule.cron) {
    const words = describeCron(schedule.cron, (schedule.dayMatch as DayMatch | undefined) ?? "OR");
    return { words: words ?? schedule.cron, cron: schedule.cron, limits, manual: false };
  }
  if (schedule.kind === "ONCE") {
    return { words: "Once", cron: null, limits, manual: false };
  }
  return { words: capital(describeSchedule(schedule).text), cron: null, limits, manual: false };
}
