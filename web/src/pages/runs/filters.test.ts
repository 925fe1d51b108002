import { describe, expect, it } from "vitest";
import type { ExecutionDetail } from "@/api/types";
import { dayStart, hasRunFilters, matchesRun, rangeOf, readRunFilters } from "./filters";

const run = (over: Partial<ExecutionDetail>): ExecutionDetail => ({
  id: "exe_1",
  eventId: "evt_1",
  jobId: "job_1",
  attempt: 1,
  status: "SUCCEEDED",
  trigger: "MANUAL",
  exitCode: 0,
  signal: null,
  endReason: "",
  workerId: "w1",
  createdAt: new Date(2026, 11, 7, 12).toISOString(),
  startedAt: null,
  finishedAt: null,
  durationMs: 10,
  ...over,
});

describe("run filters in the URL", () => {
  it("reads known values and drops the rest", () => {
    const f = readRunFilters(new URLSearchParams("status=FAILED,NOPE,LOST&event=evt_1&from=2026-12-01&to=bad"));
    expect(f).toEqual({ status: "FAILED,LOST", event: "evt_1", from: "2026-12-01", to: "" });
    expect(hasRunFilters(f)).toBe(true);
    expect(hasRunFilters(readRunFilters(new URLSearchParams("event=../x")))).toBe(false);
  });

  it("turns local days into an instant range, the end day included", () => {
    expect(dayStart("2026-12-07")?.getDate()).toBe(7);
    const r = rangeOf({ status: "", event: "", from: "2026-12-07", to: "2026-12-07" });
    expect(Date.parse(r.until!) - Date.parse(r.since!)).toBe(24 * 3600 * 1000);
  });

  it("filters rows on the client too", () => {
    const f = { status: "FAILED,TIMED_OUT", event: "", from: "2026-12-07", to: "2026-12-07" };
    expect(matchesRun(run({ status: "FAILED" }), f)).toBe(true);
    expect(matchesRun(run({ status: "SUCCEEDED" }), f)).toBe(false);
    expect(matchesRun(run({ status: "FAILED", createdAt: new Date(2026, 11, 8, 0, 0, 1).toISOString() }), f)).toBe(false);
    expect(matchesRun(run({}), { status: "", event: "evt_2", from: "", to: "" })).toBe(false);
  });
});
