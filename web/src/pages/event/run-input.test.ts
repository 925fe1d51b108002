import { describe, expect, it } from "vitest";
import { lineColumn, MAX_INPUT_BYTES, parseRunInput } from "./run-input";

describe("parseRunInput", () => {
  it("takes blank text as no input", () => {
    expect(parseRunInput("")).toEqual({ ok: true, input: undefined });
    expect(parseRunInput("  \n\t ")).toEqual({ ok: true, input: undefined });
  });

  it("parses any JSON value", () => {
    expect(parseRunInput('{"date": "2026-01-01", "n": [1, 2]}')).toEqual({
      ok: true,
      input: { date: "2026-01-01", n: [1, 2] },
    });
    expect(parseRunInput("[1,2,3]")).toEqual({ ok: true, input: [1, 2, 3] });
    expect(parseRunInput('"text"')).toEqual({ ok: true, input: "text" });
    expect(parseRunInput("42")).toEqual({ ok: true, input: 42 });
    expect(parseRunInput("null")).toEqual({ ok: true, input: null });
    expect(parseRunInput(" false ")).toEqual({ ok: true, input: false });
  });

  it("refuses text that is not JSON and says where", () => {
    const r = parseRunInput('{\n  "a": 1,\n  b: 2\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/^Not valid JSON: /);
      expect(r.error).toContain("line 3, column 3");
    }
  });

  it("refuses JavaScript that JSON does not allow", () => {
    for (const text of ["{a: 1}", "{'a': 1}", '{"a": 1,}', "undefined", "{", "NaN"]) {
      expect(parseRunInput(text).ok, text).toBe(false);
    }
  });

  it("refuses more than the server takes", () => {
    const big = JSON.stringify({ s: "x".repeat(MAX_INPUT_BYTES) });
    const r = parseRunInput(big);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("at most 1048576");
  });
});

describe("lineColumn", () => {
  it("counts from 1", () => {
    expect(lineColumn("abc", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn("ab", 99)).toEqual({ line: 1, column: 3 });
  });
});
