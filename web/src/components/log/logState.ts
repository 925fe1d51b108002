// The log viewer's state as pure functions: what the stream's messages do to the kept lines
// (de-duplicated by sequence, batched, capped, gaps for skipped ranges), which rows a filter
// shows, where search matches are, and whether the view follows the tail.

export type LogStream = "stdout" | "stderr";

export interface LogLine {
  kind: "line";
  seq: number;
  stream: LogStream;
  /** The line as printed (ANSI escapes kept), without its line break. */
  text: string;
  /** The text without ANSI escapes: what search and download read. */
  plain: string;
  ts: string;
}

/** Lines from..to (sequences, inclusive) that the stream did not send. */
export interface LogGap {
  kind: "gap";
  from: number;
  to: number;
  /** "skipped": the server said so (reader too slow); "missing": a hole in the sequences. */
  reason: "skipped" | "missing";
}

export type LogRow = LogLine | LogGap;

export interface LogEnd {
  status: string;
  exitCode: number | null;
  endReason: string;
  finishedAt: string | null;
}

export interface LogState {
  rows: LogRow[];
  /** The highest sequence received or skipped; a reconnect asks for what comes after it. */
  lastSeq: number;
  /** Lines received in all (kept or dropped by the cap). */
  received: number;
  /** Lines in `rows` (not gaps). */
  lineCount: number;
  /** Lines dropped from the start to stay under `maxLines`. */
  dropped: number;
  /** Messages with a sequence already seen (a reconnect to a server that ignores `after`). */
  duplicates: number;
  status: string | null;
  end: LogEnd | null;
  maxLines: number;
}

export const DEFAULT_MAX_LINES = 200_000;

export function initialLogState(maxLines = DEFAULT_MAX_LINES): LogState {
  return { rows: [], lineCount: 0, lastSeq: 0, received: 0, dropped: 0, duplicates: 0, status: null, end: null, maxLines };
}

// What the server sends (see src/api/stream_routes.cc and live/output_hub.cc).
export interface WireLine {
  stream: string;
  line: string;
  sequence: number;
  timestamp: string;
}

export type StreamMessage =
  | { type: "status"; executionId?: string; status: string }
  | ({ type: "output"; executionId?: string } & WireLine)
  | { type: "lines"; executionId?: string; lines: WireLine[] }
  | { type: "skipped"; executionId?: string; from: number; to: number }
  | {
      type: "end";
      executionId?: string;
      status: string;
      exitCode: number | null;
      endReason?: string;
      finishedAt?: string | null;
    };

/** A message from its JSON text; null for anything the viewer does not understand. */
export function parseMessage(text: string): StreamMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case "status":
      return typeof m.status === "string" ? (m as StreamMessage) : null;
    case "output":
      return isWireLine(m) ? (m as unknown as StreamMessage) : null;
    case "lines":
      return Array.isArray(m.lines) ? { type: "lines", lines: m.lines.filter(isWireLine) } : null;
    case "skipped":
      return typeof m.from === "number" && typeof m.to === "number" ? (m as StreamMessage) : null;
    case "end":
      return typeof m.status === "string" ? (m as StreamMessage) : null;
    default:
      return null;
  }
}

function isWireLine(v: unknown): v is WireLine {
  if (!v || typeof v !== "object") return false;
  const l = v as Record<string, unknown>;
  return typeof l.line === "string" && typeof l.sequence === "number";
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.includes("\u001b") ? text.replace(ANSI, "") : text;
}

function toLine(w: WireLine): LogLine {
  // Lines keep their "\n" (live and stored alike); a last line, or a piece of a line the server
  // cut at 16 KiB, has none.
  let text = w.line;
  if (text.endsWith("\n")) text = text.slice(0, text.endsWith("\r\n") ? -2 : -1);
  return {
    kind: "line",
    seq: w.sequence,
    stream: w.stream === "stderr" ? "stderr" : "stdout",
    text,
    plain: stripAnsi(text),
    ts: w.timestamp ?? "",
  };
}

/**
 * Applies a batch of messages at once (one new array per batch, not per line: the hook collects
 * what arrives within a frame). Lines at or below the last sequence are duplicates and dropped;
 * a jump in sequences becomes a gap row; past `maxLines` the oldest lines go.
 */
export function applyMessages(state: LogState, messages: StreamMessage[]): LogState {
  if (messages.length === 0) return state;
  let rows: LogRow[] | null = null; // copied on the first change
  let { lastSeq, received, duplicates, status, end } = state;
  let added = 0;

  const push = (row: LogRow) => {
    rows ??= state.rows.slice();
    const prev = rows[rows.length - 1];
    // Two adjacent gaps read as one range.
    if (row.kind === "gap" && prev?.kind === "gap" && prev.to + 1 === row.from) {
      rows[rows.length - 1] = { kind: "gap", from: prev.from, to: row.to, reason: "skipped" };
    } else {
      rows.push(row);
    }
  };

  const take = (w: WireLine) => {
    if (w.sequence <= lastSeq) {
      ++duplicates;
      return;
    }
    if (w.sequence > lastSeq + 1) push({ kind: "gap", from: lastSeq + 1, to: w.sequence - 1, reason: "missing" });
    push(toLine(w));
    ++added;
    lastSeq = w.sequence;
    ++received;
  };

  for (const m of messages) {
    switch (m.type) {
      case "status":
        status = m.status;
        break;
      case "output":
        take(m);
        break;
      case "lines":
        for (const l of m.lines) take(l);
        break;
      case "skipped":
        // Lines up to `to` will not come; anything before `from` not yet seen is missing too.
        if (m.to > lastSeq) {
          push({ kind: "gap", from: lastSeq + 1, to: m.to, reason: "skipped" });
          lastSeq = m.to;
        }
        break;
      case "end":
        status = m.status;
        end = {
          status: m.status,
          exitCode: m.exitCode ?? null,
          endReason: m.endReason ?? "",
          finishedAt: m.finishedAt ?? null,
        };
        break;
    }
  }

  let kept: LogRow[] = rows ?? state.rows;
  let dropped = state.dropped;
  let lines = state.lineCount + added;
  if (lines > state.maxLines) {
    let excess = lines - state.maxLines;
    let cut = 0;
    while (cut < kept.length && excess > 0) {
      if (kept[cut]!.kind === "line") --excess;
      ++cut;
    }
    // A gap left at the front explains nothing any more: it goes with the lines before it.
    while (cut < kept.length && kept[cut]!.kind === "gap") ++cut;
    dropped += lines - state.maxLines;
    kept = kept.slice(cut);
    lines = state.maxLines;
  }
  return { ...state, rows: kept, lineCount: lines, lastSeq, received, duplicates, status, end, dropped };
}

export type StreamFilter = "all" | "stdout" | "stderr";

/** The rows a filter shows; gaps always show (they say something is missing from either). */
export function visibleRows(rows: LogRow[], filter: StreamFilter): LogRow[] {
  if (filter === "all") return rows;
  return rows.filter((r) => r.kind === "gap" || r.stream === filter);
}

/** Indexes (into `rows`) of the lines containing `query`, case-insensitive, ANSI ignored. */
export function findMatches(rows: LogRow[], query: string): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out: number[] = [];
  for (let i = 0; i < rows.length; ++i) {
    const r = rows[i]!;
    if (r.kind === "line" && r.plain.toLowerCase().includes(q)) out.push(i);
  }
  return out;
}

/** The next (+1) or previous (-1) match, wrapping around; -1 when there is none. */
export function stepMatch(current: number, count: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0 || current >= count) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}

/** The index of the row holding line `seq`, or -1. Rows are in sequence order. */
export function indexOfSeq(rows: LogRow[], seq: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    const first = r.kind === "line" ? r.seq : r.from;
    const last = r.kind === "line" ? r.seq : r.to;
    if (seq < first) hi = mid - 1;
    else if (seq > last) lo = mid + 1;
    else return r.kind === "line" ? mid : -1;
  }
  return -1;
}

/** "#L120" → 120; anything else → null. */
export function lineFromHash(hash: string): number | null {
  const m = /^#L(\d{1,9})$/.exec(hash);
  return m ? Number(m[1]) : null;
}

export interface ScrollBox {
  top: number;
  height: number;
  client: number;
}

/** Within this many pixels of the end counts as "at the bottom". */
export const BOTTOM_SLACK = 24;

export function atBottom(box: ScrollBox): boolean {
  return box.height - box.top - box.client <= BOTTOM_SLACK;
}

/**
 * Whether to keep following the tail after a scroll event: at the bottom, yes; moved up (by
 * the user: following only ever scrolls down), no; otherwise as before (new lines arriving
 * while paused do not move the view).
 */
export function nextFollow(following: boolean, prevTop: number, box: ScrollBox): boolean {
  if (atBottom(box)) return true;
  if (box.top < prevTop) return false;
  return following;
}

/** The kept lines as text for a download; gaps and dropped lines are said, not hidden. */
export function logAsText(state: LogState, options: { timestamps?: boolean; filter?: StreamFilter } = {}): string {
  const parts: string[] = [];
  if (state.dropped > 0) parts.push(`[${state.dropped} earlier lines were not kept by the viewer]`);
  for (const r of visibleRows(state.rows, options.filter ?? "all")) {
    if (r.kind === "gap") {
      parts.push(`[lines ${r.from}–${r.to} were not received]`);
      continue;
    }
    const prefix = (options.timestamps && r.ts ? `${r.ts} ` : "") + (r.stream === "stderr" ? "[stderr] " : "");
    parts.push(prefix + r.plain);
  }
  return parts.length ? `${parts.join("\n")}\n` : "";
}
