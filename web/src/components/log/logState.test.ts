import { describe, expect, it } from "vitest";
import {
  applyMessages,
  atBottom,
  findMatches,
  indexOfSeq,
  initialLogState,
  lineFromHash,
  type LogRow,
  logAsText,
  nextFollow,
  parseMessage,
  type StreamMessage,
  stepMatch,
  stripAnsi,
  visibleRows,
} from "./logState";

const out = (sequence: number, line: string, stream = "stdout"): StreamMessage => ({
  type: "output",
  executionId: "exe_1",
  stream,
  line,
  sequence,
  timestamp: "2026-12-07T10:00:00Z",
});

const seqs = (rows: LogRow[]) => rows.map((r) => (r.kind === "line" ? r.seq : `gap ${r.from}-${r.to}`));

describe("parseMessage", () => {
  it("reads the four message kinds and the status", () => {
    expect(parseMessage('{"type":"status","executionId":"e","status":"RUNNING"}')).toMatchObject({ status: "RUNNING" });
    expect(parseMessage(JSON.stringify(out(1, "a")))).toMatchObject({ type: "output", sequence: 1 });
    expect(
      parseMessage('{"type":"lines","lines":[{"stream":"stderr","line":"x","sequence":3,"timestamp":"t"},{"bad":1}]}'),
    ).toEqual({ type: "lines", lines: [{ stream: "stderr", line: "x", sequence: 3, timestamp: "t" }] });
    expect(parseMessage('{"type":"skipped","from":4,"to":9}')).toMatchObject({ from: 4, to: 9 });
    expect(parseMessage('{"type":"end","status":"FAILED","exitCode":2}')).toMatchObject({ type: "end" });
  });

  it("ignores what it does not understand", () => {
    expect(parseMessage("not json")).toBeNull();
    expect(parseMessage('{"type":"output","line":1}')).toBeNull();
    expect(parseMessage('{"type":"future"}')).toBeNull();
    expect(parseMessage("null")).toBeNull();
  });
});

describe("applyMessages", () => {
  it("keeps lines in order and drops the line break of stored output", () => {
    const s = applyMessages(initialLogState(), [out(1, "one\n"), out(2, "two\r\n"), out(3, "three")]);
    expect(s.rows.map((r) => r.kind === "line" && r.text)).toEqual(["one", "two", "three"]);
    expect(s.lastSeq).toBe(3);
    expect(s.received).toBe(3);
  });

  it("de-duplicates by sequence (a reconnect to a server that ignores ?after)", () => {
    let s = applyMessages(initialLogState(), [out(1, "a"), out(2, "b")]);
    s = applyMessages(s, [out(1, "a"), out(2, "b"), out(3, "c")]);
    expect(seqs(s.rows)).toEqual([1, 2, 3]);
    expect(s.duplicates).toBe(2);
  });

  it("takes the batched form and the single form alike", () => {
    const batch: StreamMessage = {
      type: "lines",
      lines: [
        { stream: "stdout", line: "a", sequence: 1, timestamp: "t" },
        { stream: "stderr", line: "b", sequence: 2, timestamp: "t" },
      ],
    };
    const s = applyMessages(initialLogState(), [batch, out(3, "c")]);
    expect(seqs(s.rows)).toEqual([1, 2, 3]);
    expect(s.rows[1]).toMatchObject({ stream: "stderr", text: "b" });
  });

  it("returns the same state for an empty batch", () => {
    const s = initialLogState();
    expect(applyMessages(s, [])).toBe(s);
  });

  it("shows a skipped range as one gap and carries on after it", () => {
    let s = applyMessages(initialLogState(), [out(1, "a"), { type: "skipped", from: 2, to: 5 }, out(6, "f")]);
    expect(seqs(s.rows)).toEqual([1, "gap 2-5", 6]);
    expect(s.rows[1]).toMatchObject({ reason: "skipped" });
    // Adjacent skipped ranges merge; a stale one changes nothing.
    s = applyMessages(s, [{ type: "skipped", from: 7, to: 8 }, { type: "skipped", from: 9, to: 10 }, { type: "skipped", from: 3, to: 4 }]);
    expect(seqs(s.rows)).toEqual([1, "gap 2-5", 6, "gap 7-10"]);
    expect(s.lastSeq).toBe(10);
  });

  it("marks a hole in the sequences (a trimmed backlog) as missing", () => {
    const s = applyMessages(initialLogState(), [out(40, "x"), out(41, "y")]);
    expect(seqs(s.rows)).toEqual(["gap 1-39", 40, 41]);
    expect(s.rows[0]).toMatchObject({ reason: "missing" });
  });

  it("records the status and the end", () => {
    const s = applyMessages(initialLogState(), [
      { type: "status", status: "RUNNING" },
      out(1, "a"),
      { type: "end", status: "FAILED", exitCode: 3, endReason: "exit 3", finishedAt: "2026-12-07T10:00:01Z" },
    ]);
    expect(s.status).toBe("FAILED");
    expect(s.end).toEqual({ status: "FAILED", exitCode: 3, endReason: "exit 3", finishedAt: "2026-12-07T10:00:01Z" });
  });

  it("caps the kept lines, dropping the oldest and counting them", () => {
    let s = initialLogState(3);
    s = applyMessages(s, [out(1, "a"), out(2, "b")]);
    s = applyMessages(s, [out(3, "c"), out(4, "d"), out(5, "e")]);
    expect(seqs(s.rows)).toEqual([3, 4, 5]);
    expect(s.dropped).toBe(2);
    expect(s.received).toBe(5);
  });

  it("handles 200,000 lines in batches quickly", () => {
    let s = initialLogState();
    const started = performance.now();
    for (let b = 0; b < 100; ++b) {
      const lines = Array.from({ length: 2000 }, (_, i) => ({
        stream: "stdout",
        line: `line ${b * 2000 + i + 1}`,
        sequence: b * 2000 + i + 1,
        timestamp: "t",
      }));
      s = applyMessages(s, [{ type: "lines", lines }]);
    }
    expect(s.rows.length).toBe(200_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("filters, search and anchors", () => {
  const s = applyMessages(initialLogState(), [
    out(1, "Starting"),
    out(2, "\u001b[31mError\u001b[0m: disk full", "stderr"),
    { type: "skipped", from: 3, to: 4 },
    out(5, "retrying the disk"),
  ]);

  it("filters by stream and keeps gaps", () => {
    expect(seqs(visibleRows(s.rows, "stderr"))).toEqual([2, "gap 3-4"]);
    expect(seqs(visibleRows(s.rows, "stdout"))).toEqual([1, "gap 3-4", 5]);
    expect(visibleRows(s.rows, "all")).toBe(s.rows);
  });

  it("searches case-insensitively without the ANSI escapes", () => {
    expect(findMatches(s.rows, "DISK")).toEqual([1, 3]);
    expect(findMatches(s.rows, "error: disk")).toEqual([1]);
    expect(findMatches(s.rows, "31m")).toEqual([]);
    expect(findMatches(s.rows, "  ")).toEqual([]);
  });

  it("steps through matches with wrap-around", () => {
    expect(stepMatch(-1, 3, 1)).toBe(0);
    expect(stepMatch(-1, 3, -1)).toBe(2);
    expect(stepMatch(2, 3, 1)).toBe(0);
    expect(stepMatch(0, 3, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
  });

  it("finds a line by its number and reads #L anchors", () => {
    expect(indexOfSeq(s.rows, 5)).toBe(3);
    expect(indexOfSeq(s.rows, 1)).toBe(0);
    expect(indexOfSeq(s.rows, 4)).toBe(-1);
    expect(indexOfSeq(s.rows, 99)).toBe(-1);
    expect(lineFromHash("#L120")).toBe(120);
    expect(lineFromHash("#L")).toBeNull();
    expect(lineFromHash("#foo")).toBeNull();
  });

  it("strips ANSI escapes and downloads plain text with gaps said", () => {
    expect(stripAnsi("\u001b[1;32mok\u001b[0m \u001b]0;title\u0007done")).toBe("ok done");
    expect(logAsText(s)).toBe("Starting\n[stderr] Error: disk full\n[lines 3–4 were not received]\nretrying the disk\n");
  });
});

describe("follow the tail", () => {
  it("is at the bottom within a small slack", () => {
    expect(atBottom({ top: 980, height: 1500, client: 500 })).toBe(true);
    expect(atBottom({ top: 900, height: 1500, client: 500 })).toBe(false);
  });

  it("pauses when the user scrolls up and resumes at the bottom", () => {
    let follow = true;
    follow = nextFollow(follow, 1000, { top: 700, height: 1500, client: 500 });
    expect(follow).toBe(false);
    // New lines arrive while paused: the height grows, the position stays; still paused.
    follow = nextFollow(follow, 700, { top: 700, height: 3000, client: 500 });
    expect(follow).toBe(false);
    // Scrolling down but not to the end keeps it paused.
    follow = nextFollow(follow, 700, { top: 1500, height: 3000, client: 500 });
    expect(follow).toBe(false);
    follow = nextFollow(follow, 1500, { top: 2500, height: 3000, client: 500 });
    expect(follow).toBe(true);
  });

  it("stays following while content grows below (the view is scrolled down by code)", () => {
    expect(nextFollow(true, 1000, { top: 1000, height: 1600, client: 500 })).toBe(true);
  });
});
