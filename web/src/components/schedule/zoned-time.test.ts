import { describe, expect, it } from "vitest";
import {
  formatOffset,
  formatWallTime,
  isValidZone,
  keepWallTime,
  offsetMinutes,
  parseWallTime,
  toRfc3339,
  utcToZonedLocal,
  wallTimeAt,
  zonedLocalToUtc,
} from "./zoned-time";

describe("zones and offsets", () => {
  it("knows real zones only", () => {
    expect(isValidZone("Europe/Berlin")).toBe(true);
    expect(isValidZone("UTC")).toBe(true);
    expect(isValidZone("Mars/Olympus")).toBe(false);
    expect(isValidZone("")).toBe(false);
    expect(isValidZone(null)).toBe(false);
  });

  it("computes the offset at an instant, DST included", () => {
    expect(offsetMinutes(Date.parse("2026-01-15T12:00:00Z"), "Europe/Berlin")).toBe(60);
    expect(offsetMinutes(Date.parse("2026-07-15T12:00:00Z"), "Europe/Berlin")).toBe(120);
    expect(offsetMinutes(Date.parse("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(Date.parse("2026-07-15T12:00:00Z"), "Asia/Kolkata")).toBe(330);
    expect(offsetMinutes(Date.parse("2026-07-15T12:00:00Z"), "UTC")).toBe(0);
    // the instant of the change
    expect(offsetMinutes(Date.parse("2026-03-29T00:59:59Z"), "Europe/Berlin")).toBe(60);
    expect(offsetMinutes(Date.parse("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe(120);
  });

  it("formats offsets", () => {
    expect(formatOffset(0)).toBe("UTC");
    expect(formatOffset(60)).toBe("UTC+01:00");
    expect(formatOffset(-330)).toBe("UTC-05:30");
    expect(formatOffset(765)).toBe("UTC+12:45");
  });

  it("reads the wall time at an instant", () => {
    expect(wallTimeAt(Date.parse("2026-12-31T23:30:00Z"), "Asia/Tokyo")).toEqual({
      year: 2027,
      month: 1,
      day: 1,
      hour: 8,
      minute: 30,
      second: 0,
    });
    // midnight is hour 0, not 24
    expect(wallTimeAt(Date.parse("2026-06-01T22:00:00Z"), "Europe/Berlin").hour).toBe(0);
  });
});

describe("wall time text", () => {
  it("parses datetime-local values and refuses impossible dates", () => {
    expect(parseWallTime("2026-03-29T02:30")).toEqual({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 });
    expect(parseWallTime("2026-03-29T02:30:15")?.second).toBe(15);
    expect(parseWallTime("2026-03-29T02:30:15.250")?.second).toBe(15);
    expect(parseWallTime("2026-02-30T10:00")).toBeNull();
    expect(parseWallTime("2026-13-01T10:00")).toBeNull();
    expect(parseWallTime("2026-01-01T24:00")).toBeNull();
    expect(parseWallTime("2026-01-01 10:00")).toBeNull();
    expect(parseWallTime("")).toBeNull();
    expect(parseWallTime("2028-02-29T00:00")).not.toBeNull();
  });

  it("formats with seconds only when needed", () => {
    const w = { year: 2026, month: 3, day: 9, hour: 7, minute: 5, second: 0 };
    expect(formatWallTime(w)).toBe("2026-03-09T07:05");
    expect(formatWallTime(w, true)).toBe("2026-03-09T07:05:00");
    expect(formatWallTime({ ...w, second: 9 })).toBe("2026-03-09T07:05:09");
  });

  it("writes RFC 3339 without milliseconds", () => {
    expect(toRfc3339(Date.parse("2026-03-29T01:30:00.000Z"))).toBe("2026-03-29T01:30:00Z");
  });
});

describe("utcToZonedLocal", () => {
  it("shows an instant in a zone as a datetime-local value", () => {
    expect(utcToZonedLocal("2026-12-08T09:00:00Z", "Europe/Berlin")).toBe("2026-12-08T10:00");
    expect(utcToZonedLocal("2026-12-08T09:00:00Z", "America/New_York")).toBe("2026-12-08T04:00");
    expect(utcToZonedLocal("2026-12-08T09:00:30Z", "UTC")).toBe("2026-12-08T09:00:30");
    expect(utcToZonedLocal("2026-12-08T09:00:00Z", "UTC", true)).toBe("2026-12-08T09:00:00");
  });

  it("gives an empty string for nothing, garbage or an unknown zone", () => {
    expect(utcToZonedLocal(null, "UTC")).toBe("");
    expect(utcToZonedLocal("yesterday", "UTC")).toBe("");
    expect(utcToZonedLocal("2026-12-08T09:00:00Z", "Mars/Base")).toBe("");
  });
});

describe("zonedLocalToUtc", () => {
  it("converts an ordinary wall time", () => {
    expect(zonedLocalToUtc("2026-12-08T10:00", "Europe/Berlin")).toEqual({ utc: "2026-12-08T09:00:00Z", adjustment: null });
    expect(zonedLocalToUtc("2026-07-01T10:00", "Europe/Berlin")?.utc).toBe("2026-07-01T08:00:00Z");
    expect(zonedLocalToUtc("2026-07-01T10:00:45", "Asia/Kolkata")?.utc).toBe("2026-07-01T04:30:45Z");
    expect(zonedLocalToUtc("2026-07-01T10:00", "UTC")?.utc).toBe("2026-07-01T10:00:00Z");
  });

  it("moves a wall time in a spring-forward gap forward by the gap", () => {
    expect(zonedLocalToUtc("2026-03-29T02:30", "Europe/Berlin")).toEqual({
      utc: "2026-03-29T01:30:00Z",
      adjustment: { kind: "gap", local: "2026-03-29T03:30" },
    });
    expect(zonedLocalToUtc("2026-03-08T02:00", "America/New_York")).toEqual({
      utc: "2026-03-08T07:00:00Z",
      adjustment: { kind: "gap", local: "2026-03-08T03:00" },
    });
    // the edges of the gap exist
    expect(zonedLocalToUtc("2026-03-29T01:59", "Europe/Berlin")?.adjustment).toBeNull();
    expect(zonedLocalToUtc("2026-03-29T03:00", "Europe/Berlin")).toEqual({ utc: "2026-03-29T01:00:00Z", adjustment: null });
  });

  it("takes the earlier instant of a wall time a fall-back change repeats", () => {
    expect(zonedLocalToUtc("2026-10-25T02:30", "Europe/Berlin")).toEqual({
      utc: "2026-10-25T00:30:00Z",
      adjustment: { kind: "ambiguous", laterUtc: "2026-10-25T01:30:00Z" },
    });
    expect(zonedLocalToUtc("2026-11-01T01:15", "America/New_York")).toEqual({
      utc: "2026-11-01T05:15:00Z",
      adjustment: { kind: "ambiguous", laterUtc: "2026-11-01T06:15:00Z" },
    });
  });

  it("handles half-hour DST and a skipped day", () => {
    // Lord Howe Island moves its clocks by 30 minutes (02:00 → 02:30 on 2026-10-04)
    expect(zonedLocalToUtc("2026-10-04T02:15", "Australia/Lord_Howe")?.adjustment).toEqual({
      kind: "gap",
      local: "2026-10-04T02:45",
    });
    // Samoa skipped 30 December 2011
    expect(zonedLocalToUtc("2011-12-30T12:00", "Pacific/Apia")?.adjustment).toEqual({
      kind: "gap",
      local: "2011-12-31T12:00",
    });
  });

  it("round-trips with utcToZonedLocal", () => {
    for (const zone of ["Europe/Berlin", "America/Sao_Paulo", "Australia/Sydney", "Asia/Kathmandu", "UTC"]) {
      for (const iso of ["2026-01-10T08:15:00Z", "2026-04-01T23:59:00Z", "2026-10-25T00:30:00Z"]) {
        const local = utcToZonedLocal(iso, zone, true);
        expect(zonedLocalToUtc(local, zone)?.utc).toBe(iso);
      }
    }
  });

  it("gives null for bad input", () => {
    expect(zonedLocalToUtc("not a time", "UTC")).toBeNull();
    expect(zonedLocalToUtc("2026-12-08T10:00", "Mars/Base")).toBeNull();
  });
});

describe("keepWallTime", () => {
  it("keeps the clock reading when the zone changes", () => {
    // 10:00 Berlin → 10:00 New York
    expect(keepWallTime("2026-12-08T09:00:00Z", "Europe/Berlin", "America/New_York")).toBe("2026-12-08T15:00:00Z");
    expect(keepWallTime("2026-12-08T09:00:00Z", "UTC", "UTC")).toBe("2026-12-08T09:00:00Z");
    expect(keepWallTime(null, "UTC", "Europe/Berlin")).toBeNull();
    expect(keepWallTime("2026-12-08T09:00:00Z", "UTC", "Mars/Base")).toBe("2026-12-08T09:00:00Z");
  });
});
