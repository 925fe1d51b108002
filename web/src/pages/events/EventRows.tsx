import { Link } from "react-router";
import type { CroniumEvent } from "@/api/types";
import { SpacerItem, SpacerRow } from "@/components/ui/spacers";
import { useMediaQuery, useVirtualRows, WIDE_QUERY } from "@/components/ui/virtual-rows";
import { EventStatusBadge } from "@/components/ui/status";
import { RelativeTime } from "@/components/ui/time";
import { describeSchedule } from "@/lib/schedule";
import { EventActions } from "./EventActions";
import { EventTypeLabel } from "./EventTypeLabel";

function Counts({ event }: { event: CroniumEvent }) {
  if (!event.successCount && !event.failureCount) return null;
  return (
    <div className="text-xs text-muted-foreground">
      {event.successCount} ok · {event.failureCount} failed
    </div>
  );
}

function NameCell({ event }: { event: CroniumEvent }) {
  return (
    <div className="min-w-0">
      <Link to={`/events/${encodeURIComponent(event.id)}`} className="block truncate font-medium hover:underline">
        {event.name}
      </Link>
      {event.description || event.tags.length ? (
        <div className="flex min-w-0 items-center gap-1.5 text-xs text-muted-foreground">
          {event.tags.map((t) => (
            <span key={t} className="rounded bg-muted px-1 py-px font-mono text-[11px]">
              {t}
            </span>
          ))}
          <span className="truncate">{event.description}</span>
        </div>
      ) : null}
    </div>
  );
}

function ScheduleCell({ event }: { event: CroniumEvent }) {
  const s = describeSchedule(event.schedule);
  return (
    <div className="min-w-0" title={s.title}>
      <div className={event.schedule?.kind === "CRON" ? "truncate font-mono text-xs" : "truncate text-sm"}>{s.text}</div>
      {event.schedule && event.schedule.kind !== "MANUAL" ? (
        <div className="truncate text-xs text-muted-foreground">{event.schedule.timezone ?? "server time zone"}</div>
      ) : null}
    </div>
  );
}

function NextRun({ event, now }: { event: CroniumEvent; now: number }) {
  if (event.status !== "ACTIVE" && event.schedule?.nextRunAt) {
    return <span className="text-muted-foreground">on hold</span>;
  }
  return <RelativeTime iso={event.schedule?.nextRunAt} now={now} zone={event.schedule?.timezone} />;
}

interface RowsProps {
  events: CroniumEvent[];
  canAct: boolean;
  now: number;
}

const eventKey = (e: CroniumEvent) => e.id;

/** The rows' table, rendered at 640 px and wider (EventCards below); long lists are virtualised. */
export function EventTable(props: RowsProps) {
  return useMediaQuery(WIDE_QUERY) ? <Table {...props} /> : null;
}

/** Below 640 px the rows become cards. */
export function EventCards(props: RowsProps) {
  return useMediaQuery(WIDE_QUERY) ? null : <Cards {...props} />;
}

function Table({ events, canAct, now }: RowsProps) {
  const rows = useVirtualRows(events, eventKey, { estimate: 53 });
  return (
    <table className="w-full table-fixed border-collapse text-sm" aria-rowcount={rows.virtual ? events.length + 1 : undefined}>
      <caption className="sr-only">Events</caption>
      <thead>
        <tr
          aria-rowindex={rows.virtual ? 1 : undefined}
          className="border-b border-border text-left text-xs font-medium text-muted-foreground"
        >
          <th scope="col" className="px-4 py-2 font-medium">Name</th>
          <th scope="col" className="w-24 px-2 py-2 font-medium">Type</th>
          <th scope="col" className="w-28 px-2 py-2 font-medium">Status</th>
          <th scope="col" className="w-40 px-2 py-2 font-medium">Schedule</th>
          <th scope="col" className="hidden w-28 px-2 py-2 font-medium md:table-cell">Next run</th>
          <th scope="col" className="hidden w-32 px-2 py-2 font-medium md:table-cell">Last run</th>
          <th scope="col" className="w-24 px-4 py-2 text-right font-medium lg:w-44">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody ref={rows.listRef} className="divide-y divide-border">
        <SpacerRow height={rows.before} columns={7} />
        {rows.indexes.map((i) => {
          const e = events[i]!;
          return (
            <tr
              key={e.id}
              ref={rows.rowRef}
              data-index={i}
              aria-rowindex={rows.virtual ? i + 2 : undefined}
              className="align-middle hover:bg-accent/40"
            >
              <td className="px-4 py-2"><NameCell event={e} /></td>
              <td className="px-2 py-2"><EventTypeLabel type={e.type} /></td>
              <td className="px-2 py-2"><EventStatusBadge status={e.status} /></td>
              <td className="px-2 py-2"><ScheduleCell event={e} /></td>
              <td className="hidden px-2 py-2 md:table-cell"><NextRun event={e} now={now} /></td>
              <td className="hidden px-2 py-2 md:table-cell">
                <RelativeTime iso={e.lastRunAt} now={now} />
                <Counts event={e} />
              </td>
              <td className="px-4 py-2">{canAct ? <EventActions event={e} /> : null}</td>
            </tr>
          );
        })}
        <SpacerRow height={rows.after} columns={7} />
      </tbody>
    </table>
  );
}

function Cards({ events, canAct, now }: RowsProps) {
  const rows = useVirtualRows(events, eventKey, { estimate: 190 });
  return (
    <ul ref={rows.listRef} className="divide-y divide-border">
      <SpacerItem height={rows.before} />
      {rows.indexes.map((i) => {
        const e = events[i]!;
        return (
          <li
            key={e.id}
            ref={rows.rowRef}
            data-index={i}
            data-list-row
            aria-setsize={rows.virtual ? events.length : undefined}
            aria-posinset={rows.virtual ? i + 1 : undefined}
            className="space-y-2 px-3 py-3"
          >
            <div className="flex items-start justify-between gap-2">
              <NameCell event={e} />
              <EventStatusBadge status={e.status} />
            </div>
            <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
              <dt className="text-muted-foreground">Type</dt>
              <dd><EventTypeLabel type={e.type} /></dd>
              <dt className="text-muted-foreground">Schedule</dt>
              <dd className="min-w-0"><ScheduleCell event={e} /></dd>
              <dt className="text-muted-foreground">Next run</dt>
              <dd><NextRun event={e} now={now} /></dd>
              <dt className="text-muted-foreground">Last run</dt>
              <dd><RelativeTime iso={e.lastRunAt} now={now} /></dd>
            </dl>
            {canAct ? <EventActions event={e} /> : null}
          </li>
        );
      })}
      <SpacerItem height={rows.after} />
    </ul>
  );
}
