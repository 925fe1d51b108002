import { describe, expect, it } from "vitest";
import { describeSchedule } from "./schedule";
import { formatDuration, formatInterval, formatRelative } from "./time";
import { readEventFilters, withFilters } from "./url-filters";
import { safeNext } from "./utils";

describe("formatting", () => {
  it("formats durations compactly", () => {
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(75_000)).toBe("1m 15s");
    expect(formatDuration((2 * 3600 + 5 * 60) * 1000)).toBe("2h 5m");
    expect(formatDuration(null)).toBe("—");
  });

  it("reads intervals in words", () => {
    expect(formatInterval(300)).toBe("every 5 minutes");
    expect(formatInterval(3600)).toBe("every hour");
    expect(formatInterval(90)).toBe("every 90 seconds");
  });

  it("formats relative times both ways", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(formatRelative("2026-01-01T11:55:00Z", now)).toMatch(/5 min/);
    expect(formatRelative("2026-01-01T14:00:00Z", now)).toMatch(/2 h|2 hr/);
    expect(formatRelative(null, now)).toBe("—");
  });

  it("describes schedules for lists", () => {
    expect(describeSchedule(null).text).toBe("Manual");
    const cron = describeSchedule({ kind: "CRON", cron: "0 2 * * *", timezone: "Europe/Berlin" } as never);
    expect(cron.text).toBe("0 2 * * *");
    expect(cron.title).toContain("Europe/Berlin");
    expect(describeSchedule({ kind: "INTERVAL", intervalSeconds: 300 } as never).text).toBe("every 5 minutes");
  });
});

describe("URL filters", () => {
  it("keeps only known values", () => {
    const f = readEventFilters(new URLSearchParams("q=backup&status=PAUSED&type=NOPE"));
    expect(f).toEqual({ q: "backup", status: "PAUSED", type: "" });
  });

  it("drops empty values and keeps other keys", () => {
    const next = withFilters(new URLSearchParams("q=a&status=ACTIVE&x=1"), { q: "", status: "DRAFT" });
    expect(next.toString()).toBe("status=DRAFT&x=1");
  });
});

describe("safeNext", () => {
  it("only accepts same-origin paths", () => {
    expect(safeNext("/events?status=ACTIVE")).toBe("/events?status=ACTIVE");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("/login?next=/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
