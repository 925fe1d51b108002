import { describe, expect, it } from "vitest";
import { daysCombineWithAnd, describeCron } from "./describe";

describe("describeCron", () => {
  it("says an expression in words, 24-hour", () => {
    expect(describeCron("*/5 * * * *")).toBe("Every 5 minutes");
    expect(describeCron("30 9 * * 1-5")).toBe("At 09:30, Monday through Friday");
    expect(describeCron("0 30 9 * * *")).toBe("At 09:30");
    expect(describeCron("0 0 L * *")).toBe("At 00:00, on the last day of the month");
  });

  it("expands macros", () => {
    expect(describeCron("@daily")).toBe("At 00:00");
    expect(describeCron("@hourly")).toBe("Every hour");
  });

  it("follows the day rule", () => {
    expect(describeCron("0 9 1-7 * MON", "OR")).toMatch(/and on Monday/);
    expect(describeCron("0 9 1-7 * MON", "AND")).toMatch(/only on Monday/);
    expect(describeCron("0 9 */2 * 1", "VIXIE")).toMatch(/only on Monday/);
    expect(describeCron("0 9 1-7 * 1", "VIXIE")).toMatch(/and on Monday/);
  });

  it("gives null for what it cannot read or the server would refuse", () => {
    expect(describeCron("")).toBeNull();
    expect(describeCron("bad")).toBeNull();
    expect(describeCron("0 9 * * * * 2026")).toBeNull();
    expect(describeCron("15W * * * *")).toBeNull();
  });
});

describe("daysCombineWithAnd", () => {
  it("is AND, never under OR, and under VIXIE when a day field starts with *", () => {
    expect(daysCombineWithAnd("0 9 1 * 1", "AND")).toBe(true);
    expect(daysCombineWithAnd("0 9 */2 * 1", "OR")).toBe(false);
    expect(daysCombineWithAnd("0 9 */2 * 1", "VIXIE")).toBe(true);
    expect(daysCombineWithAnd("0 9 1 * */2", "VIXIE")).toBe(true);
    expect(daysCombineWithAnd("0 9 * * 1", "VIXIE")).toBe(false);
    expect(daysCombineWithAnd("@daily", "VIXIE")).toBe(false);
  });
});
