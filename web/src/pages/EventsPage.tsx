import { useInfiniteQuery } from "@tanstack/react-query";
import { CalendarClock, Plus, SearchX } from "lucide-react";
import { useCallback, useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { listEvents } from "@/api/endpoints";
import type { EventStatus, EventType } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { useNow } from "@/components/ui/time";
import { canWrite, useMe } from "@/lib/auth";
import { type EventListFilters, hasFilters, readEventFilters, withFilters } from "@/lib/url-filters";
import { EventFilters } from "./events/EventFilters";
import { EventCards, EventTable } from "./events/EventRows";
import { ListFooter } from "@/components/ui/list-footer";
import { liveInterval } from "@/components/ui/virtual-rows";

export default function EventsPage() {
  const me = useMe();
  const now = useNow(15_000);
  const [params, setParams] = useSearchParams();
  const filters = readEventFilters(params);
  const onChange = useCallback(
    (changes: Partial<EventListFilters>) => setParams((p) => withFilters(p, changes), { replace: true }),
    [setParams],
  );

  const query = useInfiniteQuery({
    queryKey: ["events", "list", filters],
    queryFn: ({ pageParam, signal }) =>
      listEvents(
        {
          search: filters.q,
          status: filters.status as EventStatus | "",
          type: filters.type as EventType | "",
          cursor: pageParam,
          limit: 50,
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Fresh every 30 s while a few pages are loaded (a refresh fetches each loaded page again).
    refetchInterval: (q) => liveInterval(q.state.data?.pages.length ?? 0, 30_000),
  });

  const events = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const canAct = canWrite(me);

  return (
    <>
      <PageHeader
        title="Events"
        description="Scripts and requests that Cronium runs on a schedule or on demand."
        actions={
          canAct ? (
            <Button asChild variant="primary">
              <Link to="/events/new">
                <Plus aria-hidden="true" /> New event
              </Link>
            </Button>
          ) : null
        }
      />
      <div className="mb-3">
        <EventFilters filters={filters} onChange={onChange} />
      </div>
      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading events" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : events.length === 0 ? (
          hasFilters(filters) ? (
            <EmptyState
              icon={SearchX}
              title="No events match these filters"
              action={<Button onClick={() => onChange({ q: "", status: "", type: "" })}>Clear filters</Button>}
            />
          ) : (
            <EmptyState
              icon={CalendarClock}
              title="No events yet"
              action={
                canAct ? (
                  <Button asChild variant="primary">
                    <Link to="/events/new">
                      <Plus aria-hidden="true" /> Create your first event
                    </Link>
                  </Button>
                ) : null
              }
            >
              An event is a script or an HTTP request that Cronium runs on a schedule or when you start it. Also:{" "}
              <code className="font-mono text-xs">cronium event create</code>.
            </EmptyState>
          )
        ) : (
          <>
            {/* One of the two renders (by width); long lists render only the rows in view. */}
            <EventTable events={events} canAct={canAct} now={now} />
            <EventCards events={events} canAct={canAct} now={now} />
            <ListFooter count={events.length} noun={["event", "events"]} query={query} autoLoad />
          </>
        )}
      </Card>
    </>
  );
}
