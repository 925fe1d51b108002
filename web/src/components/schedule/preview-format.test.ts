import { describe, expect, it } from "vitest";
import type { PreviewInstant } from "@/api/schedules";
import { needsSeconds, scheduleCell, viewerCell } from "./preview-format";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const opts = { seconds: false, now: NOW, locale: "en-GB" };

describe("preview cells", () => {
  it("shows the server's wall time with its offset, and the viewer's", () => {
    const instant: PreviewInstant = { utc: "2026-12-08T09:00:00Z", local: "2026-12-08T10:00:00", dst: null };
    expect(scheduleCell(instant, opts)).toEqual({ text: "Tue 8 Dec, 10:00", offset: "UTC+01:00" });
    expect(viewerCell(instant, "America/New_York", opts)).toEqual({ text: "Tue 8 Dec, 04:00", offset: "UTC-05:00" });
    expect(viewerCell(instant, "UTC", opts)).toEqual({ text: "Tue 8 Dec, 09:00", offset: "UTC" });
  });

  it("reads the wall time with the offset the server writes after it", () => {
    const instant: PreviewInstant = { utc: "2026-12-08T09:00:00.000Z", local: "2026-12-08T10:00:00+01:00", dst: null };
    expect(scheduleCell(instant, opts)).toEqual({ text: "Tue 8 Dec, 10:00", offset: "UTC+01:00" });
    const utc: PreviewInstant = { utc: "2026-12-08T09:00:00.000Z", local: "2026-12-08T09:00:00+00:00", dst: null };
    expect(scheduleCell(utc, opts)).toEqual({ text: "Tue 8 Dec, 09:00", offset: "UTC" });
  });

  it("shows the year when it is not this one, and seconds when asked", () => {
    const instant: PreviewInstant = { utc: "2027-01-04T08:00:15Z", local: "2027-01-04T09:00:15", dst: null };
    expect(scheduleCell(instant, { ...opts, seconds: true }).text).toBe("Mon, 4 Jan 2027, 09:00:15");
    expect(viewerCell(instant, "Europe/Berlin", { ...opts, seconds: true }).text).toBe("Mon, 4 Jan 2027, 09:00:15");
  });

  it("marks the offset change across a fall-back repeat", () => {
    const first: PreviewInstant = { utc: "2026-10-25T00:30:00Z", local: "2026-10-25T02:30:00", dst: null };
    const second: PreviewInstant = { utc: "2026-10-25T01:30:00Z", local: "2026-10-25T02:30:00", dst: "REPEATED" };
    expect(scheduleCell(first, opts)).toEqual({ text: "Sun 25 Oct, 02:30", offset: "UTC+02:00" });
    expect(scheduleCell(second, opts)).toEqual({ text: "Sun 25 Oct, 02:30", offset: "UTC+01:00" });
  });

  it("shows a skipped wall time that never exists, without an offset", () => {
    const skipped: PreviewInstant = { utc: "2026-03-29T01:00:00Z", local: "2026-03-29T02:13:00", dst: "SKIPPED", skipped: 1 };
    expect(scheduleCell(skipped, opts)).toEqual({ text: "Sun 29 Mar, 02:13", offset: "" });
  });

  it("falls back to the raw text when it cannot parse", () => {
    expect(scheduleCell({ utc: "x", local: "garbage", dst: null }, opts)).toEqual({ text: "garbage", offset: "" });
    expect(viewerCell({ utc: "x", local: "garbage", dst: null }, "UTC", opts)).toEqual({ text: "x", offset: "" });
  });

  it("shows seconds only when a run has them", () => {
    expect(needsSeconds([{ utc: "", local: "2026-01-01T09:00:00", dst: null }])).toBe(false);
    expect(needsSeconds([{ utc: "", local: "2026-01-01T09:00:30", dst: null }])).toBe(true);
    expect(needsSeconds([])).toBe(false);
  });
});
