import { describe, expect, it } from "vitest";
import type { ScheduleSpec } from "@/api/schedules";
import { DEFAULT_CRON, incomplete, placeError, rememberKind, tomorrowAtNine, withKind, withZone } from "./spec";

const base: ScheduleSpec = {
  kind: "CRON",
  cron: "*/5 * * * *",
  timezone: "Europe/Berlin",
  misfirePolicy: "RUN_ONCE",
  overlapPolicy: "BUFFER_ONE",
  maxRuns: 3,
};

describe("withKind", () => {
  it("clears the other kinds' fields and keeps the rest", () => {
    const next = withKind(base, "INTERVAL", {}, "Europe/Berlin");
    expect(next).toEqual({ ...base, kind: "INTERVAL", cron: null, intervalSeconds: 3600, at: null });
    const manual = withKind(base, "MANUAL", {}, "Europe/Berlin");
    expect(manual).toMatchObject({ kind: "MANUAL", cron: null, intervalSeconds: null, at: null, misfirePolicy: "RUN_ONCE" });
  });

  it("restores what a kind had before", () => {
    let memory = rememberKind({}, base);
    const interval = withKind(base, "INTERVAL", memory, "UTC");
    memory = rememberKind(memory, { ...interval, intervalSeconds: 60 });
    const back = withKind({ ...interval, intervalSeconds: 60 }, "CRON", memory, "UTC");
    expect(back.cron).toBe("*/5 * * * *");
    expect(back.intervalSeconds).toBeNull();
    expect(withKind(back, "INTERVAL", memory, "UTC").intervalSeconds).toBe(60);
    expect(withKind({ kind: "MANUAL" }, "CRON", {}, "UTC").cron).toBe(DEFAULT_CRON);
  });

  it("starts a Once at 09:00 tomorrow in the zone", () => {
    const now = Date.parse("2026-06-10T22:30:00Z"); // already 11 June in Berlin
    expect(tomorrowAtNine("Europe/Berlin", now)).toBe("2026-06-12T07:00:00Z");
    expect(tomorrowAtNine("UTC", now)).toBe("2026-06-11T09:00:00Z");
    expect(tomorrowAtNine("Mars/Base", now)).toBeNull();
    const once = withKind({ kind: "MANUAL" }, "ONCE", {}, "UTC");
    expect(once.at).toMatch(/T09:00:00Z$/);
  });

  it("remembers only the current kind's field", () => {
    expect(rememberKind({}, { kind: "ONCE", at: "2026-01-01T00:00:00Z" })).toEqual({ at: "2026-01-01T00:00:00Z" });
    expect(rememberKind({ cron: "x" }, { kind: "MANUAL" })).toEqual({ cron: "x" });
    expect(rememberKind({}, { kind: "CRON", cron: "" })).toEqual({});
  });
});

describe("withZone", () => {
  it("keeps wall times as typed", () => {
    const spec: ScheduleSpec = {
      kind: "ONCE",
      at: "2026-12-08T09:00:00Z", // 10:00 Berlin
      startAt: null,
      endAt: "2026-12-31T22:00:00Z", // 23:00 Berlin
      timezone: "Europe/Berlin",
    };
    expect(withZone(spec, "UTC", "Europe/Berlin", "UTC")).toEqual({
      kind: "ONCE",
      at: "2026-12-08T10:00:00Z",
      startAt: null,
      endAt: "2026-12-31T23:00:00Z",
      timezone: "UTC",
    });
    // back to the server's zone (null), converted in the zone it names
    expect(withZone(spec, null, "Europe/Berlin", "UTC").timezone).toBeNull();
  });
});

describe("incomplete", () => {
  it("says what is missing before asking the server", () => {
    expect(incomplete({ kind: "MANUAL" })).toMatch(/Manual/);
    expect(incomplete({ kind: "CRON", cron: " " })).toBe("Enter a cron expression.");
    expect(incomplete({ kind: "CRON", cron: "bad" })).toBeNull();
    expect(incomplete({ kind: "INTERVAL", intervalSeconds: null })).toBe("Enter an interval.");
    expect(incomplete({ kind: "INTERVAL", intervalSeconds: 5 })).toBeNull();
    expect(incomplete({ kind: "ONCE" })).toBe("Choose a date and time.");
  });
});

describe("placeError", () => {
  it("finds the field a message names", () => {
    expect(placeError("schedule.cron: minute field at position 1: 61 is out of range 0-59")).toEqual({
      field: "cron",
      text: "minute field at position 1: 61 is out of range 0-59",
    });
    expect(placeError("timezone: 'Mars/Base' is not a known IANA time zone (e.g. Europe/Berlin, UTC)")).toEqual({
      field: "timezone",
      text: "'Mars/Base' is not a known IANA time zone (e.g. Europe/Berlin, UTC)",
    });
    expect(placeError("schedule.intervalSeconds: from 1 to 31622400 for INTERVAL").field).toBe("intervalSeconds");
    expect(placeError("schedule.endAt: must be after startAt").field).toBe("endAt");
    expect(placeError("schedule.dayMatch: 'SOME' is not one of OR, AND, VIXIE").field).toBe("dayMatch");
    expect(placeError("overlapPolicy: 'X' is not one of SKIP").field).toBe("overlapPolicy");
  });

  it("places a bare cron message at the expression", () => {
    expect(placeError("minute field at position 1: 61 is out of range 0-59").field).toBe("cron");
    expect(placeError("a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6; got 4").field).toBe("cron");
  });

  it("leaves the rest to the schedule as a whole", () => {
    expect(placeError("schedule: unknown field 'foo'")).toEqual({ field: null, text: "unknown field 'foo'" });
    expect(placeError("name: required")).toEqual({ field: null, text: "name: required" });
    expect(placeError("Cannot reach the Cronium server. Is it running?").field).toBeNull();
  });
});
