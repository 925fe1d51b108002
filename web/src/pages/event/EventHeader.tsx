// The event page's header: name, status, type, tags, schedule in words with its zone, next
// run, and the actions the user may take.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, CalendarClock, Copy, Ellipsis, Pause, Pencil, Play, RotateCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { deleteEvent, type EventDetail, patchEventStatus } from "@/api/events";
import type { EventStatus } from "@/api/types";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Menu, MenuContent, MenuItem, MenuSeparator, MenuTrigger } from "@/components/ui/menu";
import { EventStatusBadge } from "@/components/ui/status";
import { AbsoluteTime, RelativeTime } from "@/components/ui/time";
import { EventTypeLabel } from "../events/EventTypeLabel";
import type { EventPermissions } from "./permissions";
import { RunNowDialog } from "./RunNowDialog";
import { scheduleWords } from "./schedule-words";

function ScheduleLine({ event, zone }: { event: EventDetail; zone: string | null }) {
  const s = event.schedule;
  const w = scheduleWords(s);
  const active = event.status === "ACTIVE";
  return (
    <div className="flex min-w-0 items-start gap-2 text-sm">
      <CalendarClock className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
      <div className="min-w-0 space-y-0.5">
        <p className="min-w-0 break-words">
          <span className="font-medium">{w.words}</span>
          {w.cron ? (
            <>
              {" "}
              <code className="whitespace-nowrap rounded bg-muted px-1 py-px font-mono text-xs">{w.cron}</code>
            </>
          ) : null}
          {s?.kind === "ONCE" && s.at ? (
            <>
              {", at "}
              <AbsoluteTime iso={s.at} zone={s.timezone ?? zone} />
            </>
          ) : null}
          {!w.manual ? (
            <span className="text-muted-foreground"> · {s?.timezone ?? (zone ? `${zone} (server time zone)` : "server time zone")}</span>
          ) : (
            <span className="text-muted-foreground"> · runs only when started</span>
          )}
        </p>
        {!w.manual ? (
          <p className="text-muted-foreground">
            {active ? "Next run " : "Next run (on hold while not active) "}
            {s?.nextRunAt ? (
              <>
                <RelativeTime iso={s.nextRunAt} zone={s.timezone} />
                {" · "}
                <AbsoluteTime iso={s.nextRunAt} zone={s.timezone} />
              </>
            ) : (
              <span>— none planned</span>
            )}
            {w.limits.maxRuns ? ` · ${s?.runCount ?? 0} of at most ${w.limits.maxRuns} runs` : ""}
            {w.limits.endAt ? (
              <>
                {" · ends "}
                <AbsoluteTime iso={w.limits.endAt} zone={s?.timezone} />
              </>
            ) : null}
          </p>
        ) : null}
      </div>
    </div>
  );
}

export function EventHeader({
  event,
  can,
  zone,
}: {
  event: EventDetail;
  can: EventPermissions;
  /** The zone the server plans in, when the schedule names none (from the preview). */
  zone: string | null;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [running, setRunning] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const setStatus = useMutation({
    mutationFn: (status: EventStatus) => patchEventStatus(event.id, status),
    onSuccess: (updated, status) => {
      queryClient.setQueryData(["events", "one", event.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["events"] });
      const undo = status === "PAUSED" ? "ACTIVE" : "PAUSED";
      toast.success(status === "PAUSED" ? `Paused "${event.name}"` : `Resumed "${event.name}"`, {
        description: status === "PAUSED" ? "Its schedule starts no runs until it is resumed." : undefined,
        action: { label: "Undo", onClick: () => setStatus.mutate(undo) },
      });
    },
    onError: (e) => toast.error(`Could not change "${event.name}"`, { description: errorMessage(e) }),
  });

  const remove = useMutation({
    mutationFn: () => deleteEvent(event.id),
    onSuccess: () => {
      setDeleting(false);
      toast.success(`Deleted "${event.name}"`);
      void navigate("/events");
      // The lists are refreshed; this event's own queries are left alone (asking again would only
      // get 404s while this page is still mounted) and expire unobserved.
      void queryClient.invalidateQueries({
        predicate: (q) =>
          (q.queryKey[0] === "events" || q.queryKey[0] === "executions") && !q.queryKey.includes(event.id),
      });
    },
    onError: (e) => {
      setDeleting(false);
      toast.error(`Could not delete "${event.name}"`, { description: errorMessage(e) });
    },
  });

  const pausable = event.status === "ACTIVE" || event.status === "PAUSED";
  const paused = event.status === "PAUSED";
  const menu = can.duplicate || can.change;

  return (
    <header className="mb-4 space-y-3">
      <Link to="/events" className="inline-flex items-center gap-1 text-xs font-medium text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-3.5" aria-hidden="true" /> All events
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1 basis-72 space-y-2">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="min-w-0 break-words text-xl font-semibold tracking-tight">{event.name}</h1>
            <EventStatusBadge status={event.status} className="text-sm" />
          </div>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
            <EventTypeLabel type={event.type} />
            {event.shared ? <span className="text-xs text-muted-foreground">Shared</span> : null}
            {event.tags.length ? (
              <ul className="flex flex-wrap items-center gap-1" aria-label="Tags">
                {event.tags.map((t) => (
                  <li key={t}>
                    <Link
                      to={`/events?q=${encodeURIComponent(t)}`}
                      className="rounded bg-muted px-1.5 py-px font-mono text-[11px] hover:underline"
                      title={`Events matching "${t}"`}
                    >
                      {t}
                    </Link>
                  </li>
                ))}
              </ul>
            ) : null}
            <span className="font-mono text-xs text-muted-foreground">{event.id}</span>
          </div>
          <ScheduleLine event={event} zone={zone} />
        </div>
        {can.run || menu ? (
          <div className="flex flex-wrap items-center gap-2">
            {can.run ? (
              <Button
                variant="primary"
                onClick={() => setRunning(true)}
                disabled={event.status === "ARCHIVED"}
                title={event.status === "ARCHIVED" ? "An archived event does not run" : "Run now, with an optional input"}
              >
                <Play aria-hidden="true" /> Run now
              </Button>
            ) : null}
            {can.change && pausable ? (
              <Button
                disabled={setStatus.isPending}
                onClick={() => setStatus.mutate(paused ? "ACTIVE" : "PAUSED")}
                title={paused ? "Resume the schedule" : "Pause the schedule"}
              >
                {paused ? <RotateCw aria-hidden="true" /> : <Pause aria-hidden="true" />}
                {paused ? "Resume" : "Pause"}
              </Button>
            ) : null}
            {can.change ? (
              <Button asChild>
                <Link to={`/events/${encodeURIComponent(event.id)}/edit`}>
                  <Pencil aria-hidden="true" /> Edit
                </Link>
              </Button>
            ) : null}
            {menu ? (
              <Menu>
                <MenuTrigger asChild>
                  <Button size="icon" aria-label="More actions">
                    <Ellipsis aria-hidden="true" />
                  </Button>
                </MenuTrigger>
                <MenuContent>
                  {can.duplicate ? (
                    <MenuItem asChild>
                      <Link to={`/events/new?from=${encodeURIComponent(event.id)}`}>
                        <Copy aria-hidden="true" /> Duplicate
                      </Link>
                    </MenuItem>
                  ) : null}
                  {can.change ? (
                    <>
                      <MenuSeparator />
                      <MenuItem className="text-danger" onSelect={() => setDeleting(true)}>
                        <Trash2 aria-hidden="true" className="!text-danger" /> Delete…
                      </MenuItem>
                    </>
                  ) : null}
                </MenuContent>
              </Menu>
            ) : null}
          </div>
        ) : null}
      </div>
      {can.run ? <RunNowDialog eventId={event.id} eventName={event.name} open={running} onOpenChange={setRunning} /> : null}
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete "${event.name}"?`}
        description={
          <>
            The event <strong className="text-foreground">{event.name}</strong> (
            <span className="font-mono">{event.id}</span>) is deleted with its schedule, ledger, webhooks and every run
            with its log. This cannot be undone.
          </>
        }
        confirmLabel="Delete event"
        danger
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
      />
    </header>
  );
}
