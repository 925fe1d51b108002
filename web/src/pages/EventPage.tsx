// /events/:id — one event: header with its actions, and tabs (in the URL) for its overview,
// runs, schedule ledger, webhooks and audit trail.
import { useQuery } from "@tanstack/react-query";
import { BookOpenCheck, FileQuestion, History, LayoutDashboard, ScrollText, Webhook } from "lucide-react";
import { Link, useParams, useSearchParams } from "react-router";
import { ApiError } from "@/api/client";
import { fetchEvent, listEventWebhooks, previewEventSchedule } from "@/api/events";
import { Button } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { canWrite, useMe } from "@/lib/auth";
import { EventAuditTab } from "./event/AuditTab";
import { EventHeader } from "./event/EventHeader";
import { LedgerTab } from "./event/LedgerTab";
import { OverviewTab } from "./event/OverviewTab";
import { eventPermissions, needsOwnershipProbe, type OwnershipProbe } from "./event/permissions";
import { RunsTab } from "./event/RunsTab";
import { type EventTab, readTab, withTab } from "./event/tabs";
import { WebhooksTab, webhooksKey } from "./event/WebhooksTab";

export default function EventPage() {
  const { id = "" } = useParams();
  // Another event is another page (fresh queries and dialogs).
  return <EventView key={id} id={id} />;
}

const TAB_LOOK: Record<EventTab, { label: string; icon: typeof History }> = {
  overview: { label: "Overview", icon: LayoutDashboard },
  runs: { label: "Runs", icon: History },
  ledger: { label: "Ledger", icon: BookOpenCheck },
  webhooks: { label: "Webhooks", icon: Webhook },
  audit: { label: "Audit", icon: ScrollText },
};

function EventView({ id }: { id: string }) {
  const me = useMe();
  const [params, setParams] = useSearchParams();

  const event = useQuery({
    queryKey: ["events", "one", id],
    queryFn: ({ signal }) => fetchEvent(id, signal),
    refetchInterval: 30_000,
  });
  const e = event.data;
  const scheduled = Boolean(e?.schedule && e.schedule.kind !== "MANUAL");

  // The webhooks list: the Webhooks tab's data, and (for a user's shared event) whether the
  // user owns it — the server lists them only to those who may change the event.
  const probe = e ? needsOwnershipProbe(me, e) : false;
  const mayOwn = e ? eventPermissions(me, e, "pending").change !== false : false;
  const webhooks = useQuery({
    queryKey: webhooksKey(id),
    queryFn: ({ signal }) => listEventWebhooks(id, signal),
    enabled: Boolean(e) && canWrite(me) && mayOwn,
    retry: false,
  });
  const ownership: OwnershipProbe = !probe
    ? "unknown"
    : webhooks.isSuccess
      ? "allowed"
      : webhooks.error instanceof ApiError && webhooks.error.status === 403
        ? "forbidden"
        : webhooks.isError
          ? "unknown"
          : "pending";
  const can = e ? eventPermissions(me, e, ownership) : null;

  const preview = useQuery({
    queryKey: ["events", "one", id, "preview"],
    queryFn: ({ signal }) => previewEventSchedule(id, 5, signal),
    enabled: scheduled,
    refetchInterval: 60_000,
    retry: false,
  });

  if (event.isPending) {
    return (
      <div className="p-10 text-center">
        <Spinner label="Loading the event" />
      </div>
    );
  }
  if (event.isError || !e || !can) {
    if (event.error instanceof ApiError && event.error.status === 404) {
      return (
        <EmptyState
          icon={FileQuestion}
          title="Event not found"
          action={
            <Button asChild>
              <Link to="/events">All events</Link>
            </Button>
          }
        >
          There is no event <code className="font-mono text-xs">{id}</code>, or it is not shared with you.
        </EmptyState>
      );
    }
    return <ErrorState error={event.error} onRetry={() => void event.refetch()} />;
  }

  const allowed: EventTab[] = ["overview", "runs", "ledger"];
  if (can.change) allowed.push("webhooks");
  if (can.audit) allowed.push("audit");
  const tab = readTab(params, allowed);

  return (
    <>
      <EventHeader event={e} can={can} zone={preview.data?.timezone ?? null} />
      <Tabs value={tab} onValueChange={(v) => setParams((p) => withTab(p, v as EventTab))}>
        <TabsList aria-label="Event sections">
          {allowed.map((t) => {
            const Icon = TAB_LOOK[t].icon;
            return (
              <TabsTrigger key={t} value={t}>
                <Icon aria-hidden="true" />
                {TAB_LOOK[t].label}
              </TabsTrigger>
            );
          })}
        </TabsList>
        <TabsContent value="overview" className="focus-visible:outline-none">
          <OverviewTab event={e} preview={preview} />
        </TabsContent>
        <TabsContent value="runs" className="focus-visible:outline-none">
          <RunsTab event={e} canCancel={can.run} />
        </TabsContent>
        <TabsContent value="ledger" className="focus-visible:outline-none">
          <LedgerTab event={e} />
        </TabsContent>
        {can.change ? (
          <TabsContent value="webhooks" className="focus-visible:outline-none">
            <WebhooksTab event={e} webhooks={webhooks} />
          </TabsContent>
        ) : null}
        {can.audit ? (
          <TabsContent value="audit" className="focus-visible:outline-none">
            <EventAuditTab eventId={e.id} />
          </TabsContent>
        ) : null}
      </Tabs>
    </>
  );
}
