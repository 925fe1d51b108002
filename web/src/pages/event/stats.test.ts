import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/api/types";
import { formatRate, mean, percentile, runStats } from "./stats";

const run = (status: RunStatus, durationMs: number | null = null) => ({ status, durationMs });

describe("percentile (nearest rank)", () => {
  it("is null for no values", () => {
    expect(percentile([], 95)).toBeNull();
  });
  it("is the only value of one", () => {
    expect(percentile([42], 95)).toBe(42);
  });
  it("takes the 19th of 20 values for p95, whatever their order", () => {
    const values = Array.from({ length: 20 }, (_, i) => (i + 1) * 10).reverse();
    expect(percentile(values, 95)).toBe(190);
  });
  it("takes the largest of 10 values for p95 (ceil 9.5 = 10)", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 95)).toBe(100);
  });
  it("takes the 48th of 50 values for p95", () => {
    const values = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(48);
  });
  it("p50 and p100", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5);
  });
});

describe("mean", () => {
  it("averages, null for none", () => {
    expect(mean([])).toBeNull();
    expect(mean([100, 200, 600])).toBe(300);
  });
});

describe("runStats", () => {
  it("is empty for no runs", () => {
    const s = runStats([]);
    expect(s.total).toBe(0);
    expect(s.successRate).toBeNull();
    expect(s.avgMs).toBeNull();
    expect(s.p95Ms).toBeNull();
  });

  it("counts every status and rates success over the runs that ended with a verdict", () => {
    const s = runStats([
      run("SUCCEEDED", 100),
      run("SUCCEEDED", 300),
      run("SUCCEEDED", 200),
      run("FAILED", 400),
      run("TIMED_OUT", 30_000),
      run("CANCELLED", 50),
      run("RUNNING"),
      run("QUEUED"),
    ]);
    expect(s.total).toBe(8);
    expect(s.counts.SUCCEEDED).toBe(3);
    expect(s.counts.RUNNING).toBe(1);
    expect(s.counts.LOST).toBe(0);
    // Cancelled, running and queued runs are not judged.
    expect(s.judged).toBe(5);
    expect(s.successRate).toBeCloseTo(0.6);
    // Durations of every ended run (cancelled too), not of running or queued ones.
    expect(s.timed).toBe(6);
    expect(s.avgMs).toBeCloseTo((100 + 300 + 200 + 400 + 30_000 + 50) / 6);
    expect(s.p95Ms).toBe(30_000);
  });

  it("leaves out ended runs without a duration from the times", () => {
    const s = runStats([run("SUCCEEDED", 100), run("LOST", null)]);
    expect(s.timed).toBe(1);
    expect(s.avgMs).toBe(100);
    expect(s.successRate).toBe(0.5);
  });

  it("is 100% when all succeeded, and null when only cancelled ones ended", () => {
    expect(runStats([run("SUCCEEDED", 1), run("SUCCEEDED", 2)]).successRate).toBe(1);
    expect(runStats([run("CANCELLED", 1)]).successRate).toBeNull();
  });
});

describe("formatRate", () => {
  it("formats", () => {
    expect(formatRate(null)).toBe("—");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(29 / 30)).toBe("96.7%");
    expect(formatRate(0.5)).toBe("50%");
  });
});
