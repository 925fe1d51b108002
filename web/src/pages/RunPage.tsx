import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Download, FileQuestion, Link2, RotateCcw, Square } from "lucide-react";
import { type ReactNode, useEffect, useRef } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { toast } from "sonner";
import { ApiError, errorMessage } from "@/api/client";
import { getEvent, getExecution, runEvent } from "@/api/endpoints";
import type { ExecutionDetail } from "@/api/types";
import { downloadText, LogViewer } from "@/components/log/LogViewer";
import { logAsText } from "@/components/log/logState";
import type { StreamMessage } from "@/components/log/logState";
import { storedMessages, useLogStream } from "@/components/log/useLogStream";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { RunStatusBadge } from "@/components/ui/status";
import { RelativeTime, useNow } from "@/components/ui/time";
import { canWrite, useMe } from "@/lib/auth";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { isTerminal } from "./runs/filters";
import { endSummary, formatCompact, triggerLabel } from "./runs/labels";
import { useCancelRun } from "./runs/useCancelRun";

export default function RunPage() {
  const { id = "" } = useParams();
  // A new run id starts a fresh page (and a fresh stream).
  return <Run key={id} id={id} />;
}

function hasInput(input: unknown): boolean {
  if (input === null || input === undefined) return false;
  if (typeof input === "object" && !Array.isArray(input)) return Object.keys(input).length > 0;
  return true;
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 truncate text-sm font-medium">{children}</dd>
    </div>
  );
}

function LiveDuration({ x, endedAt }: { x: ExecutionDetail; endedAt: string | null }) {
  const now = useNow(1000);
  if (x.durationMs !== null && x.durationMs !== undefined) return <span className="tabular-nums">{formatDuration(x.durationMs)}</span>;
  if (!x.startedAt) return <span className="text-muted-foreground">not started</span>;
  const end = endedAt ? Date.parse(endedAt) : now;
  return <span className="tabular-nums">{formatDuration(end - Date.parse(x.startedAt))}</span>;
}

function Json({ value }: { value: unknown }) {
  return (
    <pre className="max-h-64 overflow-auto rounded-md bg-muted/60 p-2 font-mono text-xs leading-5 whitespace-pre-wrap break-all">
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function Run({ id }: { id: string }) {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const stream = useLogStream(id);
  const ended = stream.state.end;

  const execution = useQuery({
    queryKey: ["executions", "one", id],
    queryFn: ({ signal }) => getExecution(id, signal),
    refetchInterval: (q) => (q.state.data && isTerminal(q.state.data.status) ? false : 5_000),
  });
  const x = execution.data;
  // The stream says when the run ends; the record then has its exit code and duration.
  useEffect(() => {
    if (ended) void queryClient.invalidateQueries({ queryKey: ["executions"] });
  }, [ended, queryClient]);

  // The record's stored output: for "Load the full log" after the end, and when the stream
  // cannot deliver a finished run's output (it keeps dropping).
  const fromRecord = (r: ExecutionDetail | undefined): StreamMessage[] | null =>
    r && isTerminal(r.status) && typeof r.stdout === "string"
      ? [
          ...storedMessages(r.stdout, r.stderr ?? "", r.finishedAt ?? r.createdAt),
          { type: "end", status: r.status, exitCode: r.exitCode, endReason: r.endReason, finishedAt: r.finishedAt },
        ]
      : null;
  const { connection, showStored, reload } = stream;
  useEffect(() => {
    if (connection !== "failed") return;
    const messages = fromRecord(x);
    if (messages) showStored(messages);
  }, [connection, x, showStored]);
  const loadFull = async () => {
    const fresh = (await execution.refetch()).data;
    const messages = fromRecord(fresh);
    if (messages) showStored(messages);
    else reload();
  };

  const event = useQuery({
    queryKey: ["events", "one", x?.eventId],
    queryFn: ({ signal }) => getEvent(x!.eventId, signal),
    enabled: Boolean(x && !x.eventName),
    retry: false,
    staleTime: 60_000,
  });
  const eventName = x?.eventName || event.data?.name || x?.eventId || "";

  const cancel = useCancelRun();
  const again = useMutation({
    mutationFn: () => runEvent(x!.eventId, hasInput(x!.input) ? x!.input : undefined),
    onSuccess: (started) => {
      toast.success(`Started "${eventName}" again`, { description: `Run ${started.executionId}` });
      void queryClient.invalidateQueries({ queryKey: ["executions"] });
      void navigate(`/runs/${started.executionId}`);
    },
    onError: (e) => toast.error(`Could not run "${eventName}"`, { description: errorMessage(e) }),
  });
  // Ctrl+Enter runs the event again (set below once the page knows the user may).
  const runAgain = useRef<(() => void) | null>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || !(e.ctrlKey || e.metaKey) || e.key !== "Enter" || !runAgain.current) return;
      if (document.querySelector("[role=dialog], [role=alertdialog]")) return;
      e.preventDefault();
      runAgain.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  if (execution.isPending) {
    return (
      <div className="p-10 text-center">
        <Spinner label="Loading the run" />
      </div>
    );
  }
  if (execution.isError || !x) {
    if (execution.error instanceof ApiError && execution.error.status === 404) {
      return (
        <EmptyState icon={FileQuestion} title="Run not found" action={<Button asChild><Link to="/runs">All runs</Link></Button>}>
          There is no run <code className="font-mono text-xs">{id}</code>, or you may not see it.
        </EmptyState>
      );
    }
    return <ErrorState error={execution.error} onRetry={() => void execution.refetch()} />;
  }

  // The stream knows first; the record catches up on its next read.
  const status = (ended?.status as ExecutionDetail["status"] | undefined) ?? x.status;
  const running = !isTerminal(status);
  const exitCode = x.exitCode ?? ended?.exitCode ?? null;
  const endReason = x.endReason || ended?.endReason || "";
  const writer = canWrite(me);
  runAgain.current = writer && !again.isPending ? () => again.mutate() : null;
  const fileName = `${(eventName || "run").replace(/[^\w.-]+/g, "_")}-${x.id}.log`;
  const truncated = [x.stdoutTruncated && "stdout", x.stderrTruncated && "stderr"].filter(Boolean);

  const copyLink = async () => {
    const url = `${window.location.origin}/runs/${x.id}`;
    try {
      await navigator.clipboard.writeText(url);
      toast.success("Link copied", { description: url });
    } catch {
      toast.error("Could not copy the link", { description: url });
    }
  };

  return (
    <>
      <div className="mb-4 space-y-3">
        <Link to="/runs" className="inline-flex items-center gap-1 text-xs font-medium text-muted-foreground hover:text-foreground">
          <ArrowLeft className="size-3.5" aria-hidden="true" /> All runs
        </Link>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-2">
              <h1 className="truncate text-xl font-semibold tracking-tight">{eventName}</h1>
              <RunStatusBadge status={status} className="text-sm" />
            </div>
            <p className="mt-0.5 font-mono text-xs text-muted-foreground">Run {x.id}</p>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            {writer && running ? (
              <Button variant="danger" onClick={() => cancel.ask({ id: x.id, eventName })}>
                <Square aria-hidden="true" /> Cancel
              </Button>
            ) : null}
            {writer ? (
              <Button
                variant={running ? "secondary" : "primary"}
                disabled={again.isPending}
                onClick={() => again.mutate()}
                title={hasInput(x.input) ? "Run the event again with the same input (Ctrl+Enter)" : "Run the event again (Ctrl+Enter)"}
              >
                <RotateCcw aria-hidden="true" /> Run again
              </Button>
            ) : null}
            <Button onClick={() => void copyLink()}>
              <Link2 aria-hidden="true" /> Copy link
            </Button>
            <Button
              disabled={stream.state.lineCount === 0}
              onClick={() => downloadText(logAsText(stream.state), fileName)}
            >
              <Download aria-hidden="true" /> Download log
            </Button>
          </div>
        </div>
        <Card className="px-4 py-3">
          <dl className="grid grid-cols-2 gap-x-4 gap-y-3 sm:grid-cols-4">
            <Fact label="Event">
              <Link to={`/events/${encodeURIComponent(x.eventId)}`} className="text-primary hover:underline" title={`Open ${eventName}`}>
                {eventName}
              </Link>
            </Fact>
            <Fact label="Trigger">{triggerLabel(x.trigger)}</Fact>
            <Fact label="Attempt">
              {x.attempt}
              {x.job?.maxAttempts ? ` of ${x.job.maxAttempts}` : ""}
            </Fact>
            <Fact label="Node / worker">
              <span className="font-mono text-xs" title={x.workerId}>
                {x.workerId || "—"}
              </span>
            </Fact>
            <Fact label="Started">
              {x.startedAt ? (
                <span title={formatAbsolute(x.startedAt)}>
                  <RelativeTime iso={x.startedAt} />
                  <span className="block truncate text-xs font-normal text-muted-foreground">{formatCompact(x.startedAt)}</span>
                </span>
              ) : (
                <span className="text-muted-foreground" title={formatAbsolute(x.createdAt)}>
                  queued {formatCompact(x.createdAt)}
                </span>
              )}
            </Fact>
            <Fact label="Duration">
              <LiveDuration x={x} endedAt={ended?.finishedAt ?? x.finishedAt} />
            </Fact>
            <Fact label="Exit code">
              {exitCode !== null ? <span className="tabular-nums">{exitCode}</span> : x.signal ? String(x.signal) : <span className="text-muted-foreground">—</span>}
            </Fact>
            <Fact label="End reason">
              <span title={endReason}>{endReason || (running ? <span className="text-muted-foreground">running</span> : endSummary(x) || "—")}</span>
            </Fact>
          </dl>
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Card className="min-w-0 overflow-hidden">
          <CardHeader titleId="run-log" title="Log" className="py-2" />
          <section aria-labelledby="run-log">
            <LogViewer
              state={stream.state}
              connection={stream.connection}
              onReload={() => void loadFull()}
              fileName={fileName}
              runEnded={!running}
              truncatedNote={
                truncated.length ? `The server kept only the start of ${truncated.join(" and ")}; the rest was not stored.` : undefined
              }
            />
          </section>
        </Card>
        <aside aria-label="Run details" className="min-w-0 space-y-4">
          <Card>
            <CardHeader titleId="run-input" title="Input" className="py-2" />
            <section aria-labelledby="run-input" className="p-3 text-sm">
              {hasInput(x.input) ? <Json value={x.input} /> : <p className="text-muted-foreground">No input.</p>}
            </section>
          </Card>
          <Card>
            <CardHeader titleId="run-output" title="Output" description="What the script set with cronium.output()" className="py-2" />
            <section aria-labelledby="run-output" className="p-3 text-sm">
              {x.output !== null && x.output !== undefined ? (
                <Json value={x.output} />
              ) : (
                <p className="text-muted-foreground">{running ? "Not yet." : "None."}</p>
              )}
            </section>
          </Card>
          <Card>
            <CardHeader titleId="run-more" title="Condition and resources" className="py-2" />
            <section aria-labelledby="run-more" className="px-3 py-2 text-sm">
              <dl className="divide-y divide-border">
                <Row label="Condition">
                  {x.condition === null || x.condition === undefined ? "not set" : x.condition ? "true" : "false"}
                </Row>
                <Row label="CPU time">{x.cpuTimeMs !== null && x.cpuTimeMs !== undefined ? formatDuration(x.cpuTimeMs) : "—"}</Row>
                <Row label="Peak memory">
                  {x.maxRssKb !== null && x.maxRssKb !== undefined ? `${(x.maxRssKb / 1024).toFixed(1)} MiB` : "—"}
                </Row>
                <Row label="Isolation">{x.isolation || "—"}</Row>
                {x.job?.timeoutSeconds ? <Row label="Timeout">{formatDuration(x.job.timeoutSeconds * 1000)}</Row> : null}
                {x.finishedAt ? <Row label="Finished">{formatAbsolute(x.finishedAt)}</Row> : null}
              </dl>
            </section>
          </Card>
        </aside>
      </div>
      {cancel.dialog}
    </>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3 py-1.5">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate text-right font-medium">{children}</dd>
    </div>
  );
}
