import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useRunSelection } from "@/pages/runs/useRunSelection";
import { History, SearchX, X } from "lucide-react";
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { listEvents } from "@/api/endpoints";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { useNow } from "@/components/ui/time";
import { canWrite, useMe } from "@/lib/auth";
import { fetchRunsPage, hasRunFilters, isLive, type RunFilters, readRunFilters } from "./runs/filters";
import { RunCards, RunTable } from "./runs/RunRows";
import { RunStatusSelect } from "./runs/RunStatusSelect";
import { useCancelRun } from "./runs/useCancelRun";
import { ListFooter } from "@/components/ui/list-footer";
import { liveInterval } from "@/components/ui/virtual-rows";

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function useEventNames() {
  return useQuery({
    queryKey: ["events", "names"],
    queryFn: ({ signal }) => listEvents({ limit: 200 }, signal),
    staleTime: 60_000,
    select: (page) => page.items,
  });
}

export default function RunsPage() {
  const me = useMe();
  const now = useNow(5_000);
  const [params, setParams] = useSearchParams();
  const filters = readRunFilters(params);
  const onChange = useCallback(
    (changes: Partial<RunFilters>) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          for (const [k, v] of Object.entries(changes)) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );

  const events = useEventNames();
  const names = useMemo(() => new Map((events.data ?? []).map((e) => [e.id, e.name])), [events.data]);

  const query = useInfiniteQuery({
    queryKey: ["executions", "list", filters],
    queryFn: ({ pageParam, signal }) => fetchRunsPage(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Live rows only while something shown is still queued or running (and a few pages are
    // loaded: a refresh fetches each loaded page again).
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.items.some(isLive)) ? liveInterval(q.state.data.pages.length, 5_000) : false,
  });
  const runs = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const live = useMemo(() => runs.some(isLive) && liveInterval(query.data?.pages.length ?? 0, 5_000) !== false, [runs, query.data]);

  // j/k move a visible selection through all loaded runs (the rows scroll it in and focus its
  // link, rendering it first in a long, virtualised list); Enter opens it.
  const [selected, setSelected] = useRunSelection(runs);

  const cancel = useCancelRun();
  const canCancel = canWrite(me);
  const clear = () => onChange({ status: "", event: "", from: "", to: "" });
  const rowProps = { runs, names, selected, onSelect: setSelected, canCancel, onCancel: cancel.ask, now };

  return (
    <>
      <PageHeader
        title="Runs"
        description={
          <>
            Every execution, newest first.
            <span className="hidden sm:inline">
              {" "}
              <kbd className="rounded border border-border px-1 font-mono text-[11px]">j</kbd>{" "}
            <kbd className="rounded border border-border px-1 font-mono text-[11px]">k</kbd> move,{" "}
            <kbd className="rounded border border-border px-1 font-mono text-[11px]">Enter</kbd> opens.
            </span>
          </>
        }
      />
      <div role="search" aria-label="Filter runs" className="mb-3 flex flex-wrap items-end gap-2">
        <RunStatusSelect id="run-status" value={filters.status} onChange={(status) => onChange({ status })} />
        <div className="flex min-w-0 flex-col gap-1">
          <label htmlFor="run-event" className="text-xs font-medium text-muted-foreground">
            Event
          </label>
          <Select id="run-event" className="w-auto max-w-60" value={filters.event} onChange={(e) => onChange({ event: e.target.value })}>
            <option value="">All events</option>
            {filters.event && !names.has(filters.event) ? <option value={filters.event}>{filters.event}</option> : null}
            {(events.data ?? []).map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="run-from" className="text-xs font-medium text-muted-foreground">
            From
          </label>
          <Input id="run-from" type="date" className="w-auto" value={filters.from} max={filters.to || undefined} onChange={(e) => onChange({ from: e.target.value })} />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="run-to" className="text-xs font-medium text-muted-foreground">
            To
          </label>
          <Input id="run-to" type="date" className="w-auto" value={filters.to} min={filters.from || undefined} onChange={(e) => onChange({ to: e.target.value })} />
        </div>
        {hasRunFilters(filters) ? (
          <Button variant="ghost" onClick={clear}>
            <X aria-hidden="true" /> Clear
          </Button>
        ) : null}
        {filters.from || filters.to ? <p className="w-full text-xs text-muted-foreground">Days in {zone}.</p> : null}
      </div>
      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading runs" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : runs.length === 0 && !query.hasNextPage ? (
          hasRunFilters(filters) ? (
            <EmptyState icon={SearchX} title="No runs match these filters" action={<Button onClick={clear}>Clear filters</Button>} />
          ) : (
            <EmptyState icon={History} title="No runs yet">
              Runs appear here when a schedule fires or someone runs an event.
            </EmptyState>
          )
        ) : (
          <>
            {/* One of the two renders (by width); long lists render only the rows in view. */}
            <RunTable {...rowProps} />
            <RunCards {...rowProps} />
            <ListFooter
              count={runs.length}
              noun={["run", "runs"]}
              query={query}
              note={live ? " · refreshing every 5 s" : ""}
              autoLoad
            />
          </>
        )}
      </Card>
      {cancel.dialog}
    </>
  );
}
