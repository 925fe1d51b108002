import { describe, expect, it } from "vitest";
import { pickMarks } from "./pick-marks";

const runs = (statuses: string[]) => statuses.map((status, i) => ({ i, run: { status } }));

describe("the chart's marks", () => {
  it("draws every run up to the limit", () => {
    const few = runs(["SUCCEEDED", "FAILED", "SUCCEEDED"]);
    expect(pickMarks(few, 3)).toBe(few);
  });

  it("keeps every failure and spreads the successes over the rest, in order", () => {
    const many = runs(Array.from({ length: 1000 }, (_, i) => (i % 100 === 7 ? "FAILED" : "SUCCEEDED")));
    const picked = pickMarks(many, 110);
    expect(picked).toHaveLength(110);
    expect(picked.filter((p) => p.run.status === "FAILED")).toHaveLength(10);
    expect(picked.map((p) => p.i)).toEqual([...picked.map((p) => p.i)].sort((a, b) => a - b));
    // Spread: the successes drawn span the whole window.
    const ok = picked.filter((p) => p.run.status === "SUCCEEDED").map((p) => p.i);
    expect(ok[0]).toBeLessThan(20);
    expect(ok[ok.length - 1]).toBeGreaterThan(980);
  });

  it("keeps the newest failures when they alone are over the limit", () => {
    const failing = runs(Array.from({ length: 50 }, () => "FAILED"));
    expect(pickMarks(failing, 10).map((p) => p.i)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
  });
});
