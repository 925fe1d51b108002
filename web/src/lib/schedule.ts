import type { Schedule } from "@/api/types";
import { formatAbsolute, formatInterval } from "./time";

/** The schedule in a few words for lists; the raw spec is in `title`. */
export function describeSchedule(schedule: Schedule | null | undefined): {
  text: string;
  title: string;
} {
  if (!schedule || schedule.kind === "MANUAL") return { text: "Manual", title: "Runs only when started" };
  const zone = schedule.timezone ?? "server time";
  switch (schedule.kind) {
    case "CRON":
      return { text: schedule.cron ?? "cron", title: `cron "${schedule.cron ?? ""}" (${zone})` };
    case "INTERVAL":
      return schedule.intervalSeconds
        ? { text: formatInterval(schedule.intervalSeconds), title: `${schedule.intervalSeconds} s` }
        : { text: "Interval", title: "" };
    case "ONCE":
      return { text: "Once", title: formatAbsolute(schedule.at) };
    default:
      return { text: schedule.kind, title: "" };
  }
}
