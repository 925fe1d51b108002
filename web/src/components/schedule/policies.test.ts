import { describe, expect, it } from "vitest";
import { DAY_MATCH, DST_GAP, DST_MARKS, DST_OVERLAP, explain, labelOf, MISFIRE, OVERLAP } from "./policies";

describe("policy texts", () => {
  it("covers every value the server accepts, each with a label and one line", () => {
    const expected: [readonly { value: string; label: string; explain: string }[], string[]][] = [
      [DAY_MATCH, ["OR", "AND", "VIXIE"]],
      [DST_GAP, ["AUTO", "SHIFT", "SKIP"]],
      [DST_OVERLAP, ["AUTO", "ONCE", "TWICE"]],
      [MISFIRE, ["SKIP", "RUN_ONCE", "RUN_ALL"]],
      [OVERLAP, ["SKIP", "BUFFER_ONE", "BUFFER_ALL", "CANCEL_PREVIOUS", "ALLOW"]],
    ];
    for (const [choices, values] of expected) {
      expect(choices.map((c) => c.value)).toEqual(values);
      for (const c of choices) {
        expect(c.label.length).toBeGreaterThan(2);
        expect(c.explain).toMatch(/\.$/);
        expect(c.explain).not.toMatch(/\n/);
      }
    }
    expect(Object.keys(DST_MARKS)).toEqual(["SHIFTED", "REPEATED", "SKIPPED"]);
  });

  it("looks texts up", () => {
    expect(explain(MISFIRE, "RUN_ALL")).toMatch(/at most 100/);
    expect(labelOf(OVERLAP, "ALLOW")).toBe("Run alongside");
    expect(labelOf(OVERLAP, "NOPE" as never)).toBe("NOPE");
  });
});
