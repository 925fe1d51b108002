import type { ExecutionDetail } from "@/api/types";

const TRIGGERS: Record<string, string> = {
  MANUAL: "Manual",
  SCHEDULE: "Schedule",
  SCHEDULED: "Schedule",
  WEBHOOK: "Webhook",
  WORKFLOW: "Workflow",
  RETRY: "Retry",
  API: "API",
  CHAIN: "Chained",
};

export function triggerLabel(trigger: string): string {
  return TRIGGERS[trigger.toUpperCase()] ?? (trigger ? trigger.charAt(0) + trigger.slice(1).toLowerCase() : "—");
}

export function eventLabel(x: Pick<ExecutionDetail, "eventId" | "eventName">, names: Map<string, string>): string {
  return x.eventName || names.get(x.eventId) || x.eventId;
}

/** What ended a run, in a few words: the exit code, a signal or the server's reason. */
export function endSummary(x: Pick<ExecutionDetail, "exitCode" | "signal" | "endReason">): string {
  if (x.signal) return `signal ${x.signal}`;
  if (x.exitCode !== null && x.exitCode !== undefined) return `exit ${x.exitCode}`;
  return x.endReason || "";
}

const sameDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
const otherDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });

/** A short absolute time that still names its zone: "10:16:45 PM UTC", or "Dec 6, 10:16 PM UTC" on another day. */
export function formatCompact(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "";
  return new Date(at).toDateString() === new Date(now).toDateString() ? sameDay.format(at) : otherDay.format(at);
}
