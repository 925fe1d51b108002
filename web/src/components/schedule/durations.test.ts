import { describe, expect, it } from "vitest";
import { checkDuration, describeSeconds, MAX_INTERVAL_SECONDS, splitDuration, toSeconds } from "./durations";

describe("durations", () => {
  it("splits seconds into the largest whole unit", () => {
    expect(splitDuration(300)).toEqual({ amount: 5, unit: "minutes" });
    expect(splitDuration(90)).toEqual({ amount: 90, unit: "seconds" });
    expect(splitDuration(7200)).toEqual({ amount: 2, unit: "hours" });
    expect(splitDuration(172800)).toEqual({ amount: 2, unit: "days" });
    expect(splitDuration(0)).toEqual({ amount: 0, unit: "minutes" });
    // without seconds among the units, an odd value shows in the smallest one given
    expect(splitDuration(90, ["minutes", "hours", "days"])).toEqual({ amount: 1.5, unit: "minutes" });
    expect(splitDuration(3600, ["minutes", "hours", "days"])).toEqual({ amount: 1, unit: "hours" });
  });

  it("converts back", () => {
    expect(toSeconds(5, "minutes")).toBe(300);
    expect(toSeconds(1.5, "hours")).toBe(5400);
    expect(toSeconds(366, "days")).toBe(MAX_INTERVAL_SECONDS);
  });

  it("checks typed amounts against the bounds", () => {
    const bounds = { min: 1, max: MAX_INTERVAL_SECONDS };
    expect(checkDuration("5", "minutes", bounds)).toEqual({ seconds: 300 });
    expect(checkDuration(" 1.5 ", "hours", bounds)).toEqual({ seconds: 5400 });
    expect(checkDuration("", "minutes", bounds).error).toBe("Enter a number.");
    expect(checkDuration("abc", "minutes", bounds).error).toMatch(/whole number/);
    expect(checkDuration("-1", "minutes", bounds).error).toMatch(/whole number/);
    expect(checkDuration("0", "minutes", bounds).error).toBe("At least 1 second.");
    expect(checkDuration("1.5", "seconds", bounds).error).toMatch(/whole number of seconds/);
    expect(checkDuration("367", "days", bounds).error).toBe("At most 366 days.");
    expect(checkDuration("0", "minutes", { min: 0, max: 60 })).toEqual({ seconds: 0 });
  });

  it("describes seconds", () => {
    expect(describeSeconds(1)).toBe("1 second");
    expect(describeSeconds(300)).toBe("5 minutes");
    expect(describeSeconds(3600)).toBe("1 hour");
    expect(describeSeconds(30 * 86400)).toBe("30 days");
    expect(describeSeconds(0)).toBe("0 seconds");
  });
});
