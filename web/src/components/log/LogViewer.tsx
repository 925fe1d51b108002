// The live log: virtualised rows (200,000 stay smooth), ANSI colours, stderr marked in the
// gutter, a stream filter, follow-the-tail that pauses on scroll-up, search with next/previous,
// wrap and timestamp toggles, #L<n> line anchors, gap rows for skipped ranges, download.
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  ArrowDownToLine,
  ChevronDown,
  ChevronUp,
  Clock,
  Download,
  RefreshCw,
  Search,
  TriangleAlert,
  WrapText,
} from "lucide-react";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { formatAbsolute } from "@/lib/time";
import { cn } from "@/lib/utils";
import { AnsiLine } from "./Ansi";
import "./ansi.css";
import {
  findMatches,
  indexOfSeq,
  lineFromHash,
  type LogLine,
  type LogRow,
  type LogState,
  logAsText,
  nextFollow,
  type StreamFilter,
  stepMatch,
  visibleRows,
} from "./logState";
import type { Connection } from "./useLogStream";

const ROW_HEIGHT = 20;

const clock = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
  hour12: false,
});
const zoneName = Intl.DateTimeFormat().resolvedOptions().timeZone;

function timeOf(ts: string): string {
  const at = Date.parse(ts);
  return Number.isNaN(at) ? "" : clock.format(at);
}

export function downloadText(text: string, fileName: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ConnectionNote({ connection }: { connection: Connection }) {
  const text: Record<Connection, string> = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Connection lost, reconnecting…",
    ended: "Complete",
    failed: "Disconnected: the stream keeps dropping",
    stored: "Stored output",
  };
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-muted-foreground" aria-live="polite">
      <span
        aria-hidden="true"
        className={cn(
          "size-2 rounded-full",
          connection === "live" && "animate-pulse bg-success",
          (connection === "connecting" || connection === "reconnecting") && "bg-warning",
          (connection === "ended" || connection === "stored") && "bg-muted-foreground",
          connection === "failed" && "bg-danger",
        )}
      />
      {text[connection]}
    </span>
  );
}

export function LogViewer({
  state,
  connection,
  onReload,
  fileName,
  runEnded,
  truncatedNote,
}: {
  state: LogState;
  connection: Connection;
  onReload: () => void;
  fileName: string;
  /** The run has ended (its stored output can be loaded whole). */
  runEnded: boolean;
  /** Said above the log when the server kept only part of the output. */
  truncatedNote?: string;
}) {
  const [filter, setFilter] = useState<StreamFilter>("all");
  const [wrap, setWrap] = useState(false);
  const [timestamps, setTimestamps] = useState(false);
  const [following, setFollowing] = useState(true);
  const [query, setQuery] = useState("");
  const [current, setCurrent] = useState(-1);
  const [anchor, setAnchor] = useState<number | null>(() => lineFromHash(window.location.hash));
  const scrollRef = useRef<HTMLDivElement>(null);
  const prevTop = useRef(0);

  const rows = useMemo(() => visibleRows(state.rows, filter), [state.rows, filter]);
  const matches = useMemo(() => findMatches(rows, query), [rows, query]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const currentRow = current >= 0 ? matches[current] : undefined;
  const stderrCount = useMemo(() => state.rows.reduce((n, r) => n + (r.kind === "line" && r.stream === "stderr" ? 1 : 0), 0), [state.rows]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 25,
    getItemKey: (i) => {
      const r = rows[i]!;
      return r.kind === "line" ? r.seq : `gap-${r.from}`;
    },
  });

  // Re-measure when wrapping changes the rows' heights.
  useEffect(() => {
    virtualizer.measure();
  }, [wrap, timestamps, virtualizer]);

  // Following: stay at the end as lines arrive. (Set directly: the virtualizer's scrollToIndex
  // keeps correcting for a few frames and would undo the user's scroll up.)
  const totalSize = virtualizer.getTotalSize();
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!following || !el) return;
    el.scrollTop = el.scrollHeight;
  }, [following, rows.length, totalSize]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const box = { top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight };
    const prev = prevTop.current; // read now: the updater runs later, after the ref moved on
    prevTop.current = box.top;
    setFollowing((f) => nextFollow(f, prev, box));
  }, []);

  const jumpToLatest = () => {
    setFollowing(true);
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // Line anchors: #L120 scrolls to line 120 (once it has arrived) and highlights it.
  useEffect(() => {
    const onHash = () => setAnchor(lineFromHash(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const anchorIndex = anchor === null ? -1 : indexOfSeq(rows, anchor);
  const anchorShown = useRef<number | null>(null);
  useEffect(() => {
    if (anchor === null || anchorIndex < 0 || anchorShown.current === anchor) return;
    anchorShown.current = anchor;
    setFollowing(false);
    virtualizer.scrollToIndex(anchorIndex, { align: "center" });
  }, [anchor, anchorIndex, virtualizer]);

  // Search: the current match in view.
  useEffect(() => {
    if (currentRow === undefined) return;
    setFollowing(false);
    virtualizer.scrollToIndex(currentRow, { align: "center" });
  }, [currentRow, virtualizer]);
  useEffect(() => setCurrent(-1), [query, filter]);

  const step = (direction: 1 | -1) => setCurrent((c) => stepMatch(c, matches.length, direction));

  useEffect(() => {
    // "/" focuses the search, as in most log viewers (not while typing somewhere else).
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      e.preventDefault();
      document.getElementById("log-search")?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const lineCount = state.lineCount;
  const waiting = lineCount === 0 && state.rows.length === 0;
  const items = virtualizer.getVirtualItems();

  return (
    <div className="log-view flex min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-2 border-b border-border px-3 py-2">
        <ConnectionNote connection={connection} />
        {connection === "failed" ? (
          <Button size="sm" className="h-6" onClick={onReload}>
            <RefreshCw aria-hidden="true" /> Retry
          </Button>
        ) : null}
        <span className="text-xs text-muted-foreground tabular-nums">
          {lineCount.toLocaleString()} line{lineCount === 1 ? "" : "s"}
          {stderrCount ? ` · ${stderrCount.toLocaleString()} on stderr` : ""}
        </span>
        <div className="ml-auto flex flex-wrap items-center gap-1.5">
          <div role="group" aria-label="Show stream" className="inline-flex rounded-md border border-input p-0.5">
            {(["all", "stdout", "stderr"] as const).map((f) => (
              <button
                key={f}
                type="button"
                aria-pressed={filter === f}
                onClick={() => setFilter(f)}
                className={cn(
                  "h-6 rounded px-2 text-xs font-medium text-muted-foreground hover:text-foreground",
                  filter === f && "bg-accent text-foreground",
                )}
              >
                {f === "all" ? "All" : f}
              </button>
            ))}
          </div>
          <div className="relative flex items-center">
            <Search className="pointer-events-none absolute left-2 size-3.5 text-muted-foreground" aria-hidden="true" />
            <label htmlFor="log-search" className="sr-only">
              Search the log
            </label>
            <Input
              id="log-search"
              type="search"
              placeholder="Search  /"
              className="h-7 w-36 pl-7 text-xs sm:w-44"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  step(e.shiftKey ? -1 : 1);
                } else if (e.key === "Escape" && query) {
                  e.preventDefault();
                  setQuery("");
                }
              }}
            />
          </div>
          {query.trim() ? (
            <>
              <span className="min-w-14 text-xs tabular-nums text-muted-foreground" aria-live="polite">
                {matches.length === 0
                  ? "No matches"
                  : current >= 0
                    ? `${current + 1} of ${matches.length}`
                    : `${matches.length} match${matches.length === 1 ? "" : "es"}`}
              </span>
              <Button size="icon-sm" variant="ghost" aria-label="Previous match" disabled={!matches.length} onClick={() => step(-1)}>
                <ChevronUp aria-hidden="true" />
              </Button>
              <Button size="icon-sm" variant="ghost" aria-label="Next match" disabled={!matches.length} onClick={() => step(1)}>
                <ChevronDown aria-hidden="true" />
              </Button>
            </>
          ) : null}
          <Button size="icon-sm" variant="ghost" aria-pressed={wrap} aria-label="Wrap long lines" title="Wrap long lines" onClick={() => setWrap((w) => !w)} className={cn(wrap && "bg-accent")}>
            <WrapText aria-hidden="true" />
          </Button>
          <Button
            size="icon-sm"
            variant="ghost"
            aria-pressed={timestamps}
            aria-label="Show timestamps"
            title={`Show timestamps (${zoneName})`}
            onClick={() => setTimestamps((t) => !t)}
            className={cn(timestamps && "bg-accent")}
          >
            <Clock aria-hidden="true" />
          </Button>
          <Button
            size="icon-sm"
            variant="ghost"
            aria-label="Download the log"
            title="Download the log as text"
            disabled={lineCount === 0}
            onClick={() => downloadText(logAsText(state, { timestamps }), fileName)}
          >
            <Download aria-hidden="true" />
          </Button>
        </div>
      </div>

      {state.dropped > 0 || truncatedNote || timestamps ? (
        <div className="space-y-1 border-b border-border px-3 py-1.5 text-xs text-muted-foreground">
          {state.dropped > 0 ? (
            <p className="flex items-center gap-1.5">
              <TriangleAlert className="size-3.5 shrink-0 text-warning" aria-hidden="true" />
              Only the newest {state.maxLines.toLocaleString()} lines are kept here; {state.dropped.toLocaleString()} earlier
              lines are not shown. Use Download for what is kept.
            </p>
          ) : null}
          {truncatedNote ? (
            <p className="flex items-center gap-1.5">
              <TriangleAlert className="size-3.5 shrink-0 text-warning" aria-hidden="true" />
              {truncatedNote}
            </p>
          ) : null}
          {timestamps ? <p>Timestamps in {zoneName}.</p> : null}
        </div>
      ) : null}

      <div className="relative min-h-0 flex-1">
        <div
          ref={scrollRef}
          onScroll={onScroll}
          tabIndex={0}
          role="region"
          aria-label="Log output"
          className="h-[min(65vh,640px)] min-h-64 overflow-auto bg-muted/40 font-mono text-xs leading-5 focus-visible:outline-offset-[-2px]"
        >
          {waiting ? (
            <div className="flex h-full items-center justify-center p-6 text-sm text-muted-foreground">
              {connection === "ended" || connection === "stored" ? (
                "This run printed nothing."
              ) : connection === "live" ? (
                "Waiting for output…"
              ) : (
                <Spinner label="Connecting to the log" />
              )}
            </div>
          ) : rows.length === 0 ? (
            <div className="flex h-full items-center justify-center p-6 text-sm text-muted-foreground">
              No lines on {filter}.
            </div>
          ) : (
            <div className={cn("relative", wrap ? "w-full" : "w-max min-w-full")} style={{ height: totalSize }}>
              <div className="absolute left-0 top-0 w-full" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
                {items.map((item) => {
                  const row = rows[item.index]!;
                  return (
                    <div key={item.key} data-index={item.index} ref={virtualizer.measureElement}>
                      {row.kind === "gap" ? (
                        <GapRow row={row} runEnded={runEnded} onReload={onReload} />
                      ) : (
                        <LineRow
                          line={row}
                          wrap={wrap}
                          timestamps={timestamps}
                          query={matchSet.has(item.index) ? query.trim() : ""}
                          current={item.index === currentRow}
                          anchored={row.seq === anchor}
                        />
                      )}
                    </div>
                  );
                })}
              </div>
            </div>
          )}
        </div>
        {!following && rows.length > 0 ? (
          <Button
            size="sm"
            variant="primary"
            className="absolute bottom-3 right-5 shadow-md"
            onClick={jumpToLatest}
          >
            <ArrowDownToLine aria-hidden="true" />
            Jump to latest
          </Button>
        ) : null}
      </div>
    </div>
  );
}

function LineRow({
  line,
  wrap,
  timestamps,
  query,
  current,
  anchored,
}: {
  line: LogLine;
  wrap: boolean;
  timestamps: boolean;
  query: string;
  current: boolean;
  anchored: boolean;
}) {
  const err = line.stream === "stderr";
  return (
    <div
      id={`L${line.seq}`}
      data-stream={line.stream}
      data-anchored={anchored || undefined}
      className={cn(
        "flex min-h-5 items-start border-l-2 border-transparent pr-3",
        err && "border-danger bg-danger/5",
        query && "bg-warning/10",
        current && "bg-warning/25 outline outline-1 outline-warning",
        anchored && "bg-primary/15",
      )}
    >
      <a
        href={`#L${line.seq}`}
        tabIndex={-1}
        className="w-14 shrink-0 select-none pr-2 text-right text-muted-foreground tabular-nums hover:text-foreground hover:underline"
        aria-label={`Line ${line.seq}`}
      >
        {line.seq}
      </a>
      <span
        className={cn("w-8 shrink-0 select-none text-[10px] font-semibold leading-5", err ? "text-danger" : "text-transparent")}
        title={err ? "stderr" : undefined}
      >
        {err ? "ERR" : ""}
        <span className="sr-only">{err ? " (stderr) " : ""}</span>
      </span>
      {timestamps ? (
        <span className="w-24 shrink-0 select-none text-muted-foreground tabular-nums" title={formatAbsolute(line.ts)}>
          {timeOf(line.ts)}
        </span>
      ) : null}
      <span data-text className={cn("min-w-0", wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre", err && "text-danger")}>
        {line.text ? <AnsiLine text={line.text} plain={line.plain} query={query} /> : "\u200b"}
      </span>
    </div>
  );
}

function GapRow({ row, runEnded, onReload }: { row: Extract<LogRow, { kind: "gap" }>; runEnded: boolean; onReload: () => void }) {
  const n = row.to - row.from + 1;
  return (
    <div className="my-0.5 flex flex-wrap items-center gap-2 border-y border-dashed border-warning/50 bg-warning/10 px-3 py-1 font-sans text-xs">
      <TriangleAlert className="size-3.5 shrink-0 text-warning" aria-hidden="true" />
      <span>
        {n === 1 ? `Line ${row.from} was` : `Lines ${row.from}–${row.to} (${n.toLocaleString()}) were`} not sent
        {row.reason === "skipped" ? " (this view fell behind the output)" : ""}.
      </span>
      {runEnded ? (
        <Button size="sm" className="h-6" onClick={onReload}>
          <RefreshCw aria-hidden="true" />
          Load the full log
        </Button>
      ) : (
        <span className="text-muted-foreground">The full log can be loaded after the run ends.</span>
      )}
    </div>
  );
}
