// Ledger: every planned occurrence of the schedule and its fate, newest first, paged.
import { useInfiniteQuery } from "@tanstack/react-query";
import { BookOpenCheck, CircleHelp, RefreshCw } from "lucide-react";
import { Link } from "react-router";
import { type EventDetail, type LedgerEntry, listLedger } from "@/api/events";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ListFooter } from "@/components/ui/list-footer";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";
import { formatDuration } from "@/lib/time";
import { cn } from "@/lib/utils";
import { FATES, fateOf } from "./fates";

function FateBadge({ fate }: { fate: string }) {
  const f = fateOf(fate);
  const Icon = f.icon;
  return (
    <Badge className="bg-card" title={f.explain}>
      <Icon className={cn("size-3.5", f.tone)} aria-hidden="true" />
      <span>{f.label}</span>
    </Badge>
  );
}

function Lateness({ ms }: { ms: number | null }) {
  if (ms === null) return <span className="text-muted-foreground">—</span>;
  return <span className={cn("text-xs tabular-nums", ms >= 60_000 && "font-medium")}>{ms === 0 ? "on time" : `+${formatDuration(ms)}`}</span>;
}

function Detail({ row, zone }: { row: LedgerEntry; zone: string | null | undefined }) {
  return (
    <div className="min-w-0 space-y-0.5 text-xs">
      {row.occurrences !== null && row.lastPlannedAt ? (
        <p>
          {row.occurrences} occurrence{row.occurrences === 1 ? "" : "s"} not run, the last{" "}
          <AbsoluteTime iso={row.lastPlannedAt} zone={zone} />
        </p>
      ) : null}
      {row.detail ? <p className="break-words text-muted-foreground">{row.detail}</p> : null}
      {/* Fired rows say nothing new; the others say what the fate means. */}
      {row.fate !== "FIRED" ? <p className="text-muted-foreground">{fateOf(row.fate).explain}</p> : null}
      {row.fate === "FIRED" && !row.detail ? <span className="text-muted-foreground">—</span> : null}
    </div>
  );
}

function RunLink({ row }: { row: LedgerEntry }) {
  if (!row.executionId) return <span className="text-muted-foreground">—</span>;
  return (
    <Link to={`/runs/${row.executionId}`} className="font-mono text-xs text-primary hover:underline" aria-label={`Run ${row.executionId}`}>
      {row.executionId}
    </Link>
  );
}

/** What the fates mean, all at once. */
function FateLegend() {
  return (
    <details className="mb-3 rounded-md border border-border bg-card px-3 py-2 text-sm">
      <summary className="flex cursor-pointer items-center gap-1.5 text-muted-foreground hover:text-foreground">
        <CircleHelp className="size-4" aria-hidden="true" /> What each fate means
      </summary>
      <dl className="mt-2 grid gap-x-4 gap-y-2 sm:grid-cols-[auto_1fr]">
        {Object.entries(FATES).map(([key, f]) => (
          <div key={key} className="contents">
            <dt>
              <FateBadge fate={key} />
            </dt>
            <dd className="text-xs text-muted-foreground sm:self-center">{f.explain}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

export function LedgerTab({ event }: { event: EventDetail }) {
  const now = useNow(15_000);
  const zone = event.schedule?.timezone;
  const query = useInfiniteQuery({
    queryKey: ["events", "one", event.id, "ledger"],
    queryFn: ({ pageParam, signal }) => listLedger(event.id, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // An active schedule adds rows as it fires.
    refetchInterval: event.status === "ACTIVE" && event.schedule && event.schedule.kind !== "MANUAL" ? 10_000 : false,
  });
  const rows = query.data?.pages.flatMap((p) => p.items) ?? [];
  const manual = !event.schedule || event.schedule.kind === "MANUAL";

  return (
    <>
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">
          Every occurrence the schedule planned and what became of it, newest first. Runs started by hand are not here.
        </p>
        <Button size="sm" variant="ghost" onClick={() => void query.refetch()} disabled={query.isFetching}>
          <RefreshCw aria-hidden="true" className={cn(query.isFetching && "animate-spin")} /> Refresh
        </Button>
      </div>
      <FateLegend />
      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading the ledger" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : rows.length === 0 ? (
          <EmptyState icon={BookOpenCheck} title="The ledger is empty">
            {manual
              ? "This event has no schedule; rows appear once it has one and it comes due."
              : "Rows appear as the schedule comes due."}
          </EmptyState>
        ) : (
          <>
            <table className="hidden w-full table-fixed border-collapse text-sm md:table">
              <caption className="sr-only">Ledger of the schedule, newest first</caption>
              <thead>
                <tr className="border-b border-border text-left text-xs font-medium text-muted-foreground">
                  <th scope="col" className="w-40 px-4 py-2 font-medium">Fate</th>
                  <th scope="col" className="w-52 px-2 py-2 font-medium">Planned at</th>
                  <th scope="col" className="w-52 px-2 py-2 font-medium">Enqueued at</th>
                  <th scope="col" className="w-24 px-2 py-2 font-medium">Lateness</th>
                  <th scope="col" className="px-2 py-2 font-medium">Detail</th>
                  <th scope="col" className="w-64 px-4 py-2 font-medium">Run</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {rows.map((row) => (
                  <tr key={row.id} className="align-top hover:bg-accent/40">
                    <td className="px-4 py-2">
                      <FateBadge fate={row.fate} />
                    </td>
                    <td className="px-2 py-2">
                      <AbsoluteTime iso={row.plannedAt} zone={zone} className="text-xs" />
                      <div className="text-xs text-muted-foreground">
                        <RelativeTime iso={row.plannedAt} now={now} zone={zone} />
                      </div>
                    </td>
                    <td className="px-2 py-2">
                      <AbsoluteTime iso={row.enqueuedAt} zone={zone} className="text-xs" />
                    </td>
                    <td className="px-2 py-2">
                      <Lateness ms={row.latenessMs} />
                    </td>
                    <td className="px-2 py-2">
                      <Detail row={row} zone={zone} />
                    </td>
                    <td className="truncate px-4 py-2">
                      <RunLink row={row} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ul className="divide-y divide-border md:hidden" aria-label="Ledger of the schedule, newest first">
              {rows.map((row) => (
                <li key={row.id} className="space-y-1.5 px-3 py-3">
                  <div className="flex items-start justify-between gap-2">
                    <FateBadge fate={row.fate} />
                    <span className="text-xs">
                      <Lateness ms={row.latenessMs} />
                    </span>
                  </div>
                  <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
                    <dt className="text-muted-foreground">Planned</dt>
                    <dd className="min-w-0">
                      <AbsoluteTime iso={row.plannedAt} zone={zone} />
                    </dd>
                    <dt className="text-muted-foreground">Enqueued</dt>
                    <dd className="min-w-0">
                      <AbsoluteTime iso={row.enqueuedAt} zone={zone} />
                    </dd>
                    <dt className="text-muted-foreground">Run</dt>
                    <dd className="min-w-0 truncate">
                      <RunLink row={row} />
                    </dd>
                  </dl>
                  <Detail row={row} zone={zone} />
                </li>
              ))}
            </ul>
            <ListFooter count={rows.length} noun={["occurrence", "occurrences"]} query={query} />
          </>
        )}
      </Card>
    </>
  );
}
