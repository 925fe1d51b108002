// Audit: what was done to this event (GET /audit?targetType=event&targetId=…; admins only):
// create, update (pause and resume too), schedule set or removed, secrets revealed, delete.
import { useInfiniteQuery } from "@tanstack/react-query";
import { CircleCheck, CircleX, ScrollText } from "lucide-react";
import { Link } from "react-router";
import type { AuditEntry } from "@/api/admin";
import { listEventAudit } from "@/api/events";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ListFooter } from "@/components/ui/list-footer";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";

function Outcome({ outcome }: { outcome: string }) {
  const ok = outcome === "" || /^(ok|success|succeeded|allowed)$/i.test(outcome);
  return (
    <Badge className="bg-card">
      {ok ? <CircleCheck className="size-3.5 text-success" aria-hidden="true" /> : <CircleX className="size-3.5 text-danger" aria-hidden="true" />}
      {outcome || "ok"}
    </Badge>
  );
}

/** A few words on what changed, from the entry's details. */
export function auditSummary(e: Pick<AuditEntry, "action" | "details">): string {
  const d = e.details ?? {};
  if (e.action === "event.update" && typeof d.status === "string") return `status ${String(d.status).toLowerCase()}`;
  if (e.action === "schedule.set" && typeof d.kind === "string") {
    if (d.kind === "CRON" && typeof d.cron === "string") return `cron ${d.cron}${typeof d.timezone === "string" ? ` (${d.timezone})` : ""}`;
    if (d.kind === "INTERVAL" && typeof d.intervalSeconds === "number") return `every ${d.intervalSeconds} s`;
    return String(d.kind).toLowerCase();
  }
  return "";
}

function Details({ details }: { details: Record<string, unknown> }) {
  if (!details || Object.keys(details).length === 0) return null;
  return (
    <details className="mt-1 text-xs">
      <summary className="cursor-pointer text-muted-foreground hover:text-foreground">Details</summary>
      <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-[11px]">
        {JSON.stringify(details, null, 2)}
      </pre>
    </details>
  );
}

export function EventAuditTab({ eventId }: { eventId: string }) {
  const now = useNow(30_000);
  const query = useInfiniteQuery({
    queryKey: ["audit", "event", eventId],
    queryFn: ({ pageParam, signal }) => listEventAudit(eventId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <p className="mb-3 text-sm text-muted-foreground">
        Changes to this event, newest first. Its runs and webhooks are audited under their own ids (in the{" "}
        <Link to="/admin/audit" className="font-medium text-primary hover:underline">
          audit log
        </Link>
        ).
      </p>
      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading the audit trail" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : entries.length === 0 ? (
          <EmptyState icon={ScrollText} title="No audit entries">
            Entries older than the audit retention are pruned.
          </EmptyState>
        ) : (
          <>
            <ul className="divide-y divide-border" aria-label="Audit entries, newest first">
              {entries.map((e) => {
                const summary = auditSummary(e);
                return (
                  <li key={e.id} className="grid gap-x-4 gap-y-1 px-4 py-2.5 text-sm sm:grid-cols-[12rem_1fr_auto]">
                    <div className="text-xs">
                      <AbsoluteTime iso={e.at} now={now} />
                      <div className="text-muted-foreground">
                        <RelativeTime iso={e.at} now={now} />
                      </div>
                    </div>
                    <div className="min-w-0">
                      <p className="flex flex-wrap items-center gap-x-2">
                        <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{e.action}</code>
                        {summary ? <span className="text-xs">{summary}</span> : null}
                      </p>
                      <p className="mt-0.5 text-xs text-muted-foreground">
                        by <span className="font-medium text-foreground">{e.actor.name || e.actor.id}</span> ({e.actor.type}
                        {e.source ? ` · ${e.source}` : ""})
                      </p>
                      <Details details={e.details} />
                    </div>
                    <div>
                      <Outcome outcome={e.outcome} />
                    </div>
                  </li>
                );
              })}
            </ul>
            <ListFooter count={entries.length} noun={["entry", "entries"]} query={query} moreLabel="Load older" />
          </>
        )}
      </Card>
    </>
  );
}
