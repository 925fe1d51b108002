// Runs: the event's executions, newest first, paged, with a status filter in the URL; live
// (every 5 s) only while some shown row is queued or running.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useRunSelection } from "@/pages/runs/useRunSelection";
import { RunStatusSelect } from "@/pages/runs/RunStatusSelect";
import { History, SearchX, X } from "lucide-react";
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import type { EventDetail } from "@/api/events";
import { listEventExecutions } from "@/api/events";
import type { RunStatus } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ListFooter } from "@/components/ui/list-footer";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { useNow } from "@/components/ui/time";
import { isLive, RUN_STATUSES } from "../runs/filters";
import { RunCards, RunTable } from "../runs/RunRows";
import { useCancelRun } from "../runs/useCancelRun";

/** The status filter of the URL, kept to known statuses. */
export function readStatus(params: URLSearchParams): string {
  return (params.get("status") ?? "")
    .split(",")
    .filter((s) => RUN_STATUSES.includes(s as RunStatus))
    .join(",");
}

export function RunsTab({ event, canCancel }: { event: EventDetail; canCancel: boolean }) {
  const now = useNow(5_000);
  const [params, setParams] = useSearchParams();
  const status = readStatus(params);
  const setStatus = (value: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set("status", value);
        else next.delete("status");
        return next;
      },
      { replace: true },
    );

  const query = useInfiniteQuery({
    queryKey: ["executions", "event", event.id, "list", status],
    queryFn: ({ pageParam, signal }) =>
      listEventExecutions(event.id, { status: status || undefined, view: "summary", cursor: pageParam, limit: 50 }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some(isLive)) ? 5_000 : false),
  });
  const runs = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const names = useMemo(() => new Map([[event.id, event.name]]), [event.id, event.name]);
  const cancel = useCancelRun();

  // j/k move a visible selection (the row's link takes the focus), as on the runs page; Enter
  // on a focused link opens it.
  const [selected, setSelected] = useRunSelection(runs);

  const rowProps = { runs, names, selected, onSelect: setSelected, canCancel, onCancel: cancel.ask, now };

  return (
    <>
      <div role="search" aria-label="Filter runs" className="mb-3 flex flex-wrap items-end gap-2">
        <RunStatusSelect id="event-run-status" value={status} onChange={setStatus} />
        {status ? (
          <Button variant="ghost" onClick={() => setStatus("")}>
            <X aria-hidden="true" /> Clear
          </Button>
        ) : null}
      </div>
      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading runs" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : runs.length === 0 ? (
          status ? (
            <EmptyState icon={SearchX} title="No runs match this status" action={<Button onClick={() => setStatus("")}>Clear filter</Button>} />
          ) : (
            <EmptyState icon={History} title="No runs yet">
              Runs appear here when the schedule fires or someone runs the event.
            </EmptyState>
          )
        ) : (
          <>
            <div className="hidden sm:block">
              <RunTable {...rowProps} />
            </div>
            <div className="sm:hidden">
              <RunCards {...rowProps} />
            </div>
            <ListFooter
              count={runs.length}
              noun={["run", "runs"]}
              query={query}
              note={runs.some(isLive) ? " · refreshing every 5 s" : ""}
            />
          </>
        )}
      </Card>
      {cancel.dialog}
    </>
  );
}
