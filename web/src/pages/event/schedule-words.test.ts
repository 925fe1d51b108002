import { describe, expect, it } from "vitest";
import type { Schedule } from "@/api/types";
import { scheduleWords } from "./schedule-words";

const base: Schedule = {
  kind: "CRON",
  cron: null,
  intervalSeconds: null,
  at: null,
  timezone: null,
  startAt: null,
  endAt: null,
  maxRuns: null,
  nextRunAt: null,
  runCount: 0,
};

describe("scheduleWords", () => {
  it("reads cron aloud and keeps the text", () => {
    const w = scheduleWords({ ...base, cron: "30 3 * * *" });
    expect(w.words).toBe("At 03:30");
    expect(w.cron).toBe("30 3 * * *");
  });
  it("reads a 6-field cron with seconds first, as the server does", () => {
    expect(scheduleWords({ ...base, cron: "0 */15 9-17 * * 1-5" }).words).toBe(
      "Every 15 minutes, between 09:00 and 17:59, Monday through Friday",
    );
  });
  it("reads the day fields by the schedule's day rule", () => {
    const or = scheduleWords({ ...base, cron: "0 9 1-7 * MON" }).words;
    const and = scheduleWords({ ...base, cron: "0 9 1-7 * MON", dayMatch: "AND" } as Schedule).words;
    expect(and).not.toBe(or);
  });
  it("falls back to the cron text when it cannot read it", () => {
    expect(scheduleWords({ ...base, cron: "nonsense" }).words).toBe("nonsense");
  });
  it("words intervals, manual and one-time schedules", () => {
    expect(scheduleWords({ ...base, kind: "INTERVAL", intervalSeconds: 300 }).words).toBe("Every 5 minutes");
    expect(scheduleWords({ ...base, kind: "INTERVAL", intervalSeconds: 1 }).words).toBe("Every second");
    expect(scheduleWords(null)).toMatchObject({ words: "Manual", manual: true });
    expect(scheduleWords({ ...base, kind: "MANUAL" }).manual).toBe(true);
    expect(scheduleWords({ ...base, kind: "ONCE", at: "2026-01-01T00:00:00Z" }).words).toBe("Once");
  });
  it("passes the limits on", () => {
    expect(scheduleWords({ ...base, cron: "* * * * *", maxRuns: 3, endAt: "2027-01-01T00:00:00Z" }).limits).toEqual({
      startAt: null,
      endAt: "2027-01-01T00:00:00Z",
      maxRuns: 3,
    });
  });
});
