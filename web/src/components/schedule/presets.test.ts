import { describe, expect, it } from "vitest";
import { buildPreset, DEFAULT_PARAMS, matchPreset, PRESETS } from "./presets";

describe("buildPreset", () => {
  it("writes each preset", () => {
    expect(buildPreset("everyMinutes", { every: 5 })).toBe("*/5 * * * *");
    expect(buildPreset("everyMinutes", { every: 1 })).toBe("* * * * *");
    expect(buildPreset("hourly", { minute: 15 })).toBe("15 * * * *");
    expect(buildPreset("daily", { hour: 9, minute: 30 })).toBe("30 9 * * *");
    expect(buildPreset("weekdays", { hour: 8, minute: 0 })).toBe("0 8 * * 1-5");
    expect(buildPreset("weekly", { dayOfWeek: 0, hour: 18, minute: 45 })).toBe("45 18 * * 0");
    expect(buildPreset("weekly", { dayOfWeek: 7 })).toBe("0 9 * * 0");
    expect(buildPreset("monthly", { dayOfMonth: 31, hour: 23, minute: 59 })).toBe("59 23 31 * *");
  });

  it("uses the defaults and clamps", () => {
    expect(buildPreset("daily")).toBe("0 9 * * *");
    expect(buildPreset("hourly", { minute: 75 })).toBe("59 * * * *");
    expect(buildPreset("everyMinutes", { every: 0 })).toBe("* * * * *");
    expect(buildPreset("monthly", { dayOfMonth: 0 })).toBe("0 9 1 * *");
    expect(buildPreset("daily", { hour: Number.NaN })).toBe("0 0 * * *");
  });
});

describe("matchPreset", () => {
  it("recognises every preset it builds, with its parameters", () => {
    const samples = [
      { every: 15 },
      { every: 1 },
      { minute: 7 },
      { hour: 6, minute: 5 },
      { dayOfWeek: 3, hour: 12, minute: 0 },
      { dayOfMonth: 15, hour: 1, minute: 2 },
    ];
    for (const preset of PRESETS) {
      for (const sample of samples) {
        const params = { ...DEFAULT_PARAMS, ...sample };
        const expression = buildPreset(preset.id, params);
        const match = matchPreset(expression);
        expect(match?.id, expression).toBe(preset.id);
        expect(buildPreset(match!.id, match!.params)).toBe(expression);
      }
    }
  });

  it("reads names and aliases", () => {
    expect(matchPreset("0 9 * * MON-FRI")?.id).toBe("weekdays");
    expect(matchPreset("0 9 ? * fri")).toEqual({ id: "weekly", params: { ...DEFAULT_PARAMS, hour: 9, minute: 0, dayOfWeek: 5 } });
    expect(matchPreset("0 9 * * 7")?.params.dayOfWeek).toBe(0);
    expect(matchPreset("  30   2 * * * ")?.id).toBe("daily");
  });

  it("gives null for anything else", () => {
    for (const e of [
      "0 9 1 * 1", // both day fields
      "0 9 * 1 *", // a month
      "0 9-17 * * *",
      "0,30 9 * * *",
      "0 9 * * 1,3",
      "0 9 L * *",
      "*/7 9 * * *",
      "0 0 9 * * *", // seconds
      "@daily",
      "61 * * * *",
      "*/0 * * * *",
      "",
    ]) {
      expect(matchPreset(e), e).toBeNull();
    }
  });
});
