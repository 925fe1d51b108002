import { describe, expect, it } from "vitest";
import { EVENT_TABS, readTab, withTab } from "./tabs";

describe("event page tabs in the URL", () => {
  it("reads a known, allowed tab", () => {
    expect(readTab(new URLSearchParams("tab=ledger"), EVENT_TABS)).toBe("ledger");
  });
  it("falls back to the overview for unknown or forbidden tabs", () => {
    expect(readTab(new URLSearchParams(""), EVENT_TABS)).toBe("overview");
    expect(readTab(new URLSearchParams("tab=nope"), EVENT_TABS)).toBe("overview");
    expect(readTab(new URLSearchParams("tab=audit"), ["overview", "runs"])).toBe("overview");
  });
  it("writes the tab, dropping the runs filter and the default", () => {
    expect(withTab(new URLSearchParams("tab=runs&status=FAILED&x=1"), "ledger").toString()).toBe("tab=ledger&x=1");
    expect(withTab(new URLSearchParams("tab=runs"), "overview").toString()).toBe("");
  });
});
