import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  displayZone,
  formatInZone,
  formatTimeFor,
  getTimeDisplay,
  setTimeDisplay,
  subscribeTimeDisplay,
  TIME_DISPLAY_KEY,
} from "./time-display";

const AT = "2026-01-15T02:30:00Z";

describe("time display preference", () => {
  beforeEach(() => window.localStorage.clear());

  it("defaults to local and ignores unknown values", () => {
    expect(getTimeDisplay()).toBe("local");
    window.localStorage.setItem(TIME_DISPLAY_KEY, "mars");
    expect(getTimeDisplay()).toBe("local");
  });

  it("persists a choice and tells listeners", () => {
    const seen = vi.fn();
    const stop = subscribeTimeDisplay(seen);
    setTimeDisplay("utc");
    expect(window.localStorage.getItem(TIME_DISPLAY_KEY)).toBe("utc");
    expect(getTimeDisplay()).toBe("utc");
    setTimeDisplay("local");
    expect(window.localStorage.getItem(TIME_DISPLAY_KEY)).toBeNull();
    stop();
    setTimeDisplay("schedule");
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it("picks the zone: UTC, the schedule's (when known) or the browser's", () => {
    expect(displayZone("utc", "Europe/Berlin")).toBe("UTC");
    expect(displayZone("schedule", "Europe/Berlin")).toBe("Europe/Berlin");
    expect(displayZone("schedule", null)).toBeUndefined();
    expect(displayZone("schedule", "Not/AZone")).toBeUndefined();
    expect(displayZone("local", "Europe/Berlin")).toBeUndefined();
  });

  it("always shows the zone", () => {
    const utc = formatTimeFor(AT, "utc");
    expect(utc).toMatch(/02:30:00/);
    expect(utc).toMatch(/UTC/);
    const berlin = formatTimeFor(AT, "schedule", "Europe/Berlin");
    expect(berlin).toMatch(/03:30:00/);
    expect(berlin).toMatch(/\(Europe\/Berlin\)$/);
    // Local: whatever the zone is, a zone name is part of the text.
    expect(formatTimeFor(AT, "local")).toMatch(/(GMT|UTC|[A-Z]{2,5})/);
    expect(formatInZone(null)).toBe("");
    expect(formatInZone("not a date")).toBe("");
  });
});
