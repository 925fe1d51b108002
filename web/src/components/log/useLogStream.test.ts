import { describe, expect, it } from "vitest";
import { countdown } from "@/pages/dashboard/NextRuns";
import { applyMessages, initialLogState } from "./logState";
import { storedMessages, streamUrl } from "./useLogStream";

describe("the stream's address", () => {
  it("follows the page's scheme and asks for what comes after the last line", () => {
    expect(streamUrl("exe_1", 0, { protocol: "http:", host: "h:8080" })).toBe("ws://h:8080/api/v1/executions/exe_1/stream");
    expect(streamUrl("exe_1", 42, { protocol: "https:", host: "cron.example" })).toBe(
      "wss://cron.example/api/v1/executions/exe_1/stream?after=42",
    );
  });
});

describe("stored output from the run's record", () => {
  it("numbers stdout then stderr, without the final empty line", () => {
    const s = applyMessages(initialLogState(), storedMessages("a\nb\n", "err\n", "t"));
    expect(s.rows.map((r) => (r.kind === "line" ? [r.seq, r.stream, r.text] : r))).toEqual([
      [1, "stdout", "a"],
      [2, "stdout", "b"],
      [3, "stderr", "err"],
    ]);
    expect(applyMessages(initialLogState(), storedMessages("", "", "t")).rows).toEqual([]);
  });
});

describe("countdowns on the dashboard", () => {
  it("counts down in seconds, then minutes, and says when a run is due", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(countdown("2026-12-07T10:00:09.200Z", now)).toBe("in 10s");
    expect(countdown("2026-12-07T10:04:10Z", now)).toBe("in 4m 10s");
    expect(countdown("2026-12-07T12:30:00Z", now)).toBe("in 2h 30m");
    expect(countdown("2026-12-07T09:59:00Z", now)).toBe("due now");
  });
});
