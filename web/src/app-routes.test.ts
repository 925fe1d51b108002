import { describe, expect, it } from "vitest";
import { pageFor } from "./App";

describe("the page chunk loaded at start", () => {
  it("follows the address", () => {
    expect(pageFor("/")).toBe("dashboard");
    expect(pageFor("/events")).toBe("events");
    expect(pageFor("/events/new")).toBe("editor");
    expect(pageFor("/events/evt_1")).toBe("event");
    expect(pageFor("/events/evt_1/edit")).toBe("editor");
    expect(pageFor("/runs")).toBe("runs");
    expect(pageFor("/runs/exe_1")).toBe("run");
    expect(pageFor("/settings/tokens")).toBe("settings");
    expect(pageFor("/invite/abc")).toBe("invite");
    expect(pageFor("/nowhere")).toBeNull();
  });
});
