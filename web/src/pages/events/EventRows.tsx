import { Link } from "react-router";
import type { CroniumEvent } from "@/api/types";
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

export function EventTable({ events, canAct, now }: { events: CroniumEvent[]; canAct: boolean; now: number }) {
  return (
    <table className="w-full table-fixed border-collapse text-sm">
      <caption className="sr-only">Events</caption>
      <thead>
        <tr className="border-b border-border text-left text-xs font-medium text-muted-foreground">
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
      <tbody className="divide-y divide-border">
        {events.map((e) => (
          <tr key={e.id} className="align-middle hover:bg-accent/40">
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
        ))}
      </tbody>
    </table>
  );
}

/** Below 640 px the rows become cards. */
export function EventCards({ events, canAct, now }: { events: CroniumEvent[]; canAct: boolean; now: number }) {
  return (
    <ul className="divide-y divide-border">
      {events.map((e) => (
        <li key={e.id} className="space-y-2 px-3 py-3">
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
      ))}
    </ul>
  );
}
