import { Square } from "lucide-react";
import { type MouseEvent, useEffect } from "react";
import { Link, useNavigate } from "react-router";
import type { ExecutionDetail } from "@/api/types";
import { Button } from "@/components/ui/button";
import { RunStatusBadge } from "@/components/ui/status";
import { Elapsed, RelativeTime } from "@/components/ui/time";
import { SpacerItem, SpacerRow } from "@/components/ui/spacers";
import { useMediaQuery, type VirtualRows, useVirtualRows, WIDE_QUERY } from "@/components/ui/virtual-rows";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { cn } from "@/lib/utils";
import { isLive } from "./filters";
import { eventLabel, formatCompact, triggerLabel } from "./labels";
import type { CancelTarget } from "./useCancelRun";

interface RowsProps {
  runs: ExecutionDetail[];
  names: Map<string, string>;
  /** The selected row's index in `runs` (-1: none). A new selection is scrolled in and focused. */
  selected: number;
  /** Called with a row's index when its link takes the focus. */
  onSelect: (index: number) => void;
  canCancel: boolean;
  onCancel: (t: CancelTarget) => void;
  now: number;
}

function Duration({ x }: { x: ExecutionDetail }) {
  if (x.status === "RUNNING" && x.startedAt) return <Elapsed since={x.startedAt} />;
  return <span className="tabular-nums">{formatDuration(x.durationMs)}</span>;
}

function Started({ x, now }: { x: ExecutionDetail; now: number }) {
  const at = x.startedAt ?? x.createdAt;
  return (
    <div className="min-w-0">
      <RelativeTime iso={at} now={now} />
      <div className="truncate text-xs text-muted-foreground" title={formatAbsolute(at)}>
        {formatCompact(at, now)}
      </div>
    </div>
  );
}

function CancelButton({ x, name, onCancel }: { x: ExecutionDetail; name: string; onCancel: (t: CancelTarget) => void }) {
  return (
    <Button size="sm" onClick={() => onCancel({ id: x.id, eventName: name })} aria-label={`Cancel ${name} run ${x.id}`}>
      <Square aria-hidden="true" />
      Cancel
    </Button>
  );
}

// A click anywhere on a row opens it, except on its own links and buttons.
function useRowOpen() {
  const navigate = useNavigate();
  return (e: MouseEvent, id: string) => {
    if ((e.target as HTMLElement).closest("a,button,input,select")) return;
    if (window.getSelection()?.toString()) return;
    void navigate(`/runs/${id}`);
  };
}

const runKey = (x: ExecutionDetail) => x.id;

/**
 * The page's j/k keep `selected` (an index into all loaded runs); the rows bring it into view,
 * rendering it first when the list is virtualised, and focus its link.
 */
function useSelectedInView(rows: VirtualRows, selected: number) {
  const { focusRow } = rows;
  // Only a new selection moves the focus (not new rows, nor a re-render).
  useEffect(() => {
    if (selected >= 0) focusRow(selected);
  }, [selected]);
}

/** The rows' table, rendered at 640 px and wider (RunCards below); long lists are virtualised. */
export function RunTable(props: RowsProps) {
  return useMediaQuery(WIDE_QUERY) ? <Table {...props} /> : null;
}

/** Below 640 px the rows become cards. */
export function RunCards(props: RowsProps) {
  return useMediaQuery(WIDE_QUERY) ? null : <Cards {...props} />;
}

function Table({ runs, names, selected, onSelect, canCancel, onCancel, now }: RowsProps) {
  const open = useRowOpen();
  const rows = useVirtualRows(runs, runKey, { estimate: 53 });
  useSelectedInView(rows, selected);
  return (
    <table className="w-full table-fixed border-collapse text-sm" aria-rowcount={rows.virtual ? runs.length + 1 : undefined}>
      <caption className="sr-only">Runs, newest first. Keys: j and k move, Enter opens.</caption>
      <thead>
        <tr
          aria-rowindex={rows.virtual ? 1 : undefined}
          className="border-b border-border text-left text-xs font-medium text-muted-foreground"
        >
          <th scope="col" className="w-32 px-4 py-2 font-medium">Status</th>
          <th scope="col" className="px-2 py-2 font-medium">Event</th>
          <th scope="col" className="w-24 px-2 py-2 font-medium">Trigger</th>
          <th scope="col" className="hidden w-36 px-2 py-2 font-medium lg:table-cell">Node / worker</th>
          <th scope="col" className="w-40 px-2 py-2 font-medium">Started</th>
          <th scope="col" className="w-24 px-2 py-2 text-right font-medium">Duration</th>
          <th scope="col" className="w-28 px-4 py-2 text-right font-medium">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody ref={rows.listRef} className="divide-y divide-border">
        <SpacerRow height={rows.before} columns={7} />
        {rows.indexes.map((i) => {
          const x = runs[i]!;
          const name = eventLabel(x, names);
          return (
            <tr
              key={x.id}
              ref={rows.rowRef}
              data-index={i}
              aria-rowindex={rows.virtual ? i + 2 : undefined}
              data-selected={i === selected || undefined}
              onClick={(e) => open(e, x.id)}
              className={cn(
                "cursor-pointer align-middle hover:bg-accent/40",
                i === selected && "bg-accent/60 outline-2 -outline-offset-2 outline-ring",
              )}
            >
              <td className="px-4 py-2">
                <Link
                  to={`/runs/${x.id}`}
                  onFocus={() => onSelect(i)}
                  className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-1"
                  aria-label={`Run ${x.id} of ${name}: ${x.status.toLowerCase().replace("_", " ")}`}
                >
                  <RunStatusBadge status={x.status} />
                </Link>
              </td>
              <td className="px-2 py-2">
                <div className="min-w-0">
                  <Link to={`/events/${encodeURIComponent(x.eventId)}`} className="block truncate font-medium hover:underline" title={`Open ${name}`}>
                    {name}
                  </Link>
                  <div className="truncate font-mono text-xs text-muted-foreground">
                    {x.id}
                    {x.attempt > 1 ? ` · attempt ${x.attempt}` : ""}
                  </div>
                </div>
              </td>
              <td className="px-2 py-2">{triggerLabel(x.trigger)}</td>
              <td className="hidden truncate px-2 py-2 font-mono text-xs lg:table-cell" title={x.workerId}>
                {x.workerId || "—"}
              </td>
              <td className="px-2 py-2">
                <Started x={x} now={now} />
              </td>
              <td className="px-2 py-2 text-right">
                <Duration x={x} />
              </td>
              <td className="px-4 py-2 text-right">
                {canCancel && isLive(x) ? <CancelButton x={x} name={name} onCancel={onCancel} /> : null}
              </td>
            </tr>
          );
        })}
        <SpacerRow height={rows.after} columns={7} />
      </tbody>
    </table>
  );
}

function Cards({ runs, names, selected, onSelect, canCancel, onCancel, now }: RowsProps) {
  const rows = useVirtualRows(runs, runKey, { estimate: 90 });
  useSelectedInView(rows, selected);
  return (
    <ul ref={rows.listRef} className="divide-y divide-border">
      <SpacerItem height={rows.before} />
      {rows.indexes.map((i) => {
        const x = runs[i]!;
        const name = eventLabel(x, names);
        return (
          <li
            key={x.id}
            ref={rows.rowRef}
            data-index={i}
            data-list-row
            aria-setsize={rows.virtual ? runs.length : undefined}
            aria-posinset={rows.virtual ? i + 1 : undefined}
            className={cn("space-y-1.5 px-3 py-3", i === selected && "bg-accent/60")}
          >
            <div className="flex items-start justify-between gap-2">
              <Link to={`/runs/${x.id}`} onFocus={() => onSelect(i)} className="min-w-0 flex-1">
                <span className="block truncate font-medium">{name}</span>
                <span className="block truncate font-mono text-xs text-muted-foreground">{x.id}</span>
              </Link>
              <RunStatusBadge status={x.status} />
            </div>
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
              <span>{triggerLabel(x.trigger)}</span>
              <span>
                <RelativeTime iso={x.startedAt ?? x.createdAt} now={now} />
              </span>
              <span>
                <Duration x={x} />
              </span>
              {x.workerId ? <span className="font-mono">{x.workerId}</span> : null}
              {canCancel && isLive(x) ? (
                <span className="ml-auto">
                  <CancelButton x={x} name={name} onCancel={onCancel} />
                </span>
              ) : null}
            </div>
          </li>
        );
      })}
      <SpacerItem height={rows.after} />
    </ul>
  );
}
