import { describe, expect, it } from "vitest";
import {
  CRON_FIELDS,
  type FieldModel,
  fieldOfCronError,
  formatField,
  joinCron,
  parseField,
  parseValue,
  parseValueList,
  splitCron,
  switchMode,
} from "./cron-fields";

const { minute, hour, dayOfMonth, month, dayOfWeek, second } = CRON_FIELDS;

describe("parseValue", () => {
  it("reads numbers within the field's range and names", () => {
    expect(parseValue("0", minute)).toBe(0);
    expect(parseValue("59", minute)).toBe(59);
    expect(parseValue("60", minute)).toBeNull();
    expect(parseValue("0", dayOfMonth)).toBeNull();
    expect(parseValue("jan", month)).toBe(1);
    expect(parseValue("DEC", month)).toBe(12);
    expect(parseValue("Sun", dayOfWeek)).toBe(0);
    expect(parseValue("7", dayOfWeek)).toBe(7);
    expect(parseValue("MON", minute)).toBeNull();
    expect(parseValue("1.5", hour)).toBeNull();
  });
});

describe("parseField", () => {
  it("understands every, steps, ranges and lists", () => {
    expect(parseField("*", minute)).toEqual({ mode: "every" });
    expect(parseField("?", dayOfWeek)).toEqual({ mode: "every" });
    expect(parseField("*/15", minute)).toEqual({ mode: "step", step: 15, from: 0 });
    expect(parseField("5/10", minute)).toEqual({ mode: "step", step: 10, from: 5 });
    expect(parseField("*/2", dayOfMonth)).toEqual({ mode: "step", step: 2, from: 1 });
    expect(parseField("9-17", hour)).toEqual({ mode: "range", from: 9, to: 17 });
    expect(parseField("MON-FRI", dayOfWeek)).toEqual({ mode: "range", from: 1, to: 5 });
    expect(parseField("30,0,15,15", minute)).toEqual({ mode: "list", values: [0, 15, 30] });
    expect(parseField("jan,jul", month)).toEqual({ mode: "list", values: [1, 7] });
    expect(parseField("7", dayOfWeek)).toEqual({ mode: "list", values: [0] });
  });

  it("keeps anything else as custom text", () => {
    for (const [text, def] of [
      ["L", dayOfMonth],
      ["15W", dayOfMonth],
      ["5#3", dayOfWeek],
      ["1-5,10", dayOfMonth],
      ["?", minute],
      ["17-9", hour],
      ["*/0", minute],
      ["*/61", minute],
      ["61", minute],
      ["1-5/2", hour],
      ["", minute],
    ] as const) {
      expect(parseField(text, def)).toEqual({ mode: "custom", text });
    }
  });

  it("round-trips through formatField", () => {
    for (const [text, def] of [
      ["*", minute],
      ["*/5", minute],
      ["10/20", second],
      ["9-17", hour],
      ["0,15,30,45", minute],
      ["1,15", dayOfMonth],
      ["L", dayOfMonth],
    ] as const) {
      expect(formatField(parseField(text, def), def)).toBe(text);
    }
  });
});

describe("formatField", () => {
  it("writes each shape", () => {
    expect(formatField({ mode: "every" }, hour)).toBe("*");
    expect(formatField({ mode: "step", step: 2, from: 0 }, hour)).toBe("*/2");
    expect(formatField({ mode: "step", step: 2, from: 1 }, hour)).toBe("1/2");
    expect(formatField({ mode: "step", step: 2, from: 1 }, dayOfMonth)).toBe("*/2");
    expect(formatField({ mode: "range", from: 1, to: 5 }, dayOfWeek)).toBe("1-5");
    expect(formatField({ mode: "list", values: [5, 1, 7, 1] }, dayOfWeek)).toBe("0,1,5");
    expect(formatField({ mode: "custom", text: " L " }, dayOfMonth)).toBe("L");
  });

  it("gives null for an incomplete model", () => {
    expect(formatField({ mode: "list", values: [] }, minute)).toBeNull();
    expect(formatField({ mode: "range", from: 5, to: 1 }, minute)).toBeNull();
    expect(formatField({ mode: "custom", text: "  " }, minute)).toBeNull();
  });
});

describe("switchMode", () => {
  it("keeps what it can and picks sensible defaults", () => {
    const list: FieldModel = { mode: "list", values: [30, 45] };
    expect(switchMode(list, "list", minute)).toBe(list);
    expect(switchMode(list, "every", minute)).toEqual({ mode: "every" });
    expect(switchMode(list, "custom", minute)).toEqual({ mode: "custom", text: "30,45" });
    expect(switchMode({ mode: "range", from: 3, to: 4 }, "list", hour)).toEqual({ mode: "list", values: [3] });
    expect(switchMode({ mode: "every" }, "range", hour)).toEqual({ mode: "range", from: 9, to: 17 });
    expect(switchMode({ mode: "every" }, "range", dayOfWeek)).toEqual({ mode: "range", from: 1, to: 5 });
    expect(switchMode({ mode: "every" }, "step", minute)).toEqual({ mode: "step", step: 5, from: 0 });
    expect(switchMode({ mode: "every" }, "step", hour)).toEqual({ mode: "step", step: 2, from: 0 });
    expect(switchMode({ mode: "every" }, "list", month)).toEqual({ mode: "list", values: [1] });
  });
});

describe("splitCron / joinCron", () => {
  it("splits 5 and 6 fields and nothing else", () => {
    expect(splitCron(" 30  2 * * 1 ")).toEqual({
      second: null,
      minute: "30",
      hour: "2",
      dayOfMonth: "*",
      month: "*",
      dayOfWeek: "1",
    });
    expect(splitCron("0 30 2 * * 1")?.second).toBe("0");
    expect(splitCron("@daily")).toBeNull();
    expect(splitCron("* * * *")).toBeNull();
    expect(splitCron("0 0 9 * * * 2026")).toBeNull();
  });

  it("joins back", () => {
    expect(joinCron(splitCron("*/5 * * * *")!)).toBe("*/5 * * * *");
    expect(joinCron(splitCron("15 */5 * * * *")!)).toBe("15 */5 * * * *");
    expect(joinCron({ ...splitCron("0 9 * * *")!, second: "30" })).toBe("30 0 9 * * *");
  });
});

describe("parseValueList", () => {
  it("reads commas and spaces, checks each value", () => {
    expect(parseValueList("0, 15 ,30", minute)).toEqual([0, 15, 30]);
    expect(parseValueList("", minute)).toEqual([]);
    expect(parseValueList("0,60", minute)).toBeNull();
    expect(parseValueList("a", minute)).toBeNull();
    expect(parseValueList("sat,7", dayOfWeek)).toEqual([0, 6]);
  });
});

describe("fieldOfCronError", () => {
  it("finds the field a server message names", () => {
    expect(fieldOfCronError("minute field at position 1: 61 is out of range 0-59")).toBe("minute");
    expect(fieldOfCronError("schedule.cron: day-of-month field at position 5: 'x' is not a number")).toBe("dayOfMonth");
    expect(fieldOfCronError("schedule.cron: month field at position 7: 13 is out of range 1-12")).toBe("month");
    expect(fieldOfCronError("day-of-week field at position 9: ...")).toBe("dayOfWeek");
    expect(fieldOfCronError("second field at position 1: ...")).toBe("second");
    expect(fieldOfCronError("a cron expression has 5 fields (minute hour ...) or 6; got 4")).toBeNull();
  });
});
