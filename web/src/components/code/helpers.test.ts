import { describe, expect, it } from "vitest";
import { helpersFor, matchHelpers, starterScript } from "./helpers";

describe("runtime helper completions", () => {
  it("offers each language its own names", () => {
    expect(helpersFor("bash").map((h) => h.label)).toContain("cronium_set_variable");
    expect(helpersFor("python").map((h) => h.label)).toContain("cronium.set_variable");
    expect(helpersFor("node").map((h) => h.label)).toContain("cronium.setVariable");
    expect(helpersFor("node").every((h) => h.snippet.startsWith("await "))).toBe(true);
    expect(helpersFor("python").some((h) => h.snippet.startsWith("await"))).toBe(false);
  });

  it("matches what is typed, prefix first", () => {
    const found = matchHelpers("python", "cronium.se", false).map((h) => h.label);
    expect(found).toEqual(["cronium.set_variable", "cronium.set_condition"]);
    expect(matchHelpers("bash", "cr", false).length).toBe(helpersFor("bash").length);
    // "variable" is inside several names, but an ordinary word does not pop the list up...
    expect(matchHelpers("bash", "variable", false)).toEqual([]);
    // ...unless asked for (Ctrl+Space).
    expect(matchHelpers("bash", "variable", true).map((h) => h.label)).toContain("cronium_get_variable");
    expect(matchHelpers("node", "", false)).toEqual([]);
    expect(matchHelpers("node", "", true).length).toBe(helpersFor("node").length);
  });

  it("writes snippets with placeholders for the arguments", () => {
    const set = helpersFor("bash").find((h) => h.label === "cronium_set_variable")!;
    expect(set.snippet).toBe('cronium_set_variable "${key}" "${value}"');
    const cond = helpersFor("python").find((h) => h.label === "cronium.set_condition")!;
    expect(cond.snippet).toBe("cronium.set_condition(${True})");
  });

  it("starts new scripts with something that runs", () => {
    expect(starterScript("bash")).toMatch(/^#!\/bin\/bash/);
    expect(starterScript("python")).toContain("import cronium");
    expect(starterScript("node")).toContain("console.log");
  });
});
