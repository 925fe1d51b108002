import type { ReactNode } from "react";
import { Button } from "./button";

/** The paging state of a list (a TanStack infinite query). */
interface Paged {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/**
 * The line under a paged list: how many items are shown (announced politely), anything the page
 * adds to it, and a button for the next page while there is one.
 */
export function ListFooter({
  count,
  noun,
  query,
  note,
  moreLabel = "Load more",
}: {
  count: number;
  /** Singular and plural: ["event", "events"]. */
  noun: [string, string];
  query: Paged;
  note?: ReactNode;
  moreLabel?: string;
}) {
  return (
    <div className="flex items-center justify-between border-t border-border px-4 py-2 text-xs text-muted-foreground">
      <span aria-live="polite">
        {count} {count === 1 ? noun[0] : noun[1]}
        {query.hasNextPage ? " shown" : ""}
        {note}
      </span>
      {query.hasNextPage ? (
        <Button size="sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {query.isFetchingNextPage ? "Loading…" : moreLabel}
        </Button>
      ) : null}
    </div>
  );
}
