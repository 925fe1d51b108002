import { describe, expect, it } from "vitest";
import { isTyping, SequenceMatcher, stepRow } from "./shortcuts";

describe("keyboard shortcuts", () => {
  it("matches g-sequences within the time allowed", () => {
    const m = new SequenceMatcher(1000);
    expect(m.feed("g", 0)).toBeNull();
    expect(m.waiting).toBe(true);
    expect(m.feed("e", 500)).toBe("/events");
    expect(m.waiting).toBe(false);
    expect(m.feed("g", 2000)).toBeNull();
    expect(m.feed("r", 3500)).toBeNull(); // too late: "r" alone does nothing
    expect(m.feed("g", 4000)).toBeNull();
    expect(m.feed("x", 4100)).toBeNull(); // unknown target
    expect(m.feed("d", 4200)).toBeNull(); // and the sequence is over
    expect(m.feed("e", 4300)).toBeNull();
  });

  it("steps through rows and stops at the ends", () => {
    const rows = ["a", "b", "c"];
    expect(stepRow(rows, null, 1)).toBe("a");
    expect(stepRow(rows, null, -1)).toBe("c");
    expect(stepRow(rows, "a", 1)).toBe("b");
    expect(stepRow(rows, "c", 1)).toBe("c");
    expect(stepRow(rows, "a", -1)).toBe("a");
    expect(stepRow([], null, 1)).toBeNull();
  });

  it("leaves keys alone where the user types", () => {
    const input = document.createElement("input");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    const div = document.createElement("div");
    const editor = document.createElement("div");
    editor.className = "cm-editor";
    const inner = document.createElement("span");
    editor.appendChild(inner);
    document.body.append(input, checkbox, div, editor);
    expect(isTyping(input)).toBe(true);
    expect(isTyping(checkbox)).toBe(false);
    expect(isTyping(div)).toBe(false);
    expect(isTyping(inner)).toBe(true);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(null)).toBe(false);
  });
});
