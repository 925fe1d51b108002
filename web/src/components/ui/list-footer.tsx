import { type ReactNode, useEffect, useRef, useState } from "react";
import { Button } from "./button";

/** The paging state of a list (a TanStack infinite query). */
interface Paged {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError?: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** How far below the viewport (px) the footer may still be when the next page starts loading. */
const AUTO_LOAD_MARGIN = 800;

/** Whether `element` is within #main's viewport or the margin below it (measured now). */
function isNearViewport(element: HTMLElement): boolean {
  const main = document.getElementById("main");
  if (!main) return false;
  const box = element.getBoundingClientRect();
  const view = main.getBoundingClientRect();
  return box.height > 0 && box.top < view.bottom + AUTO_LOAD_MARGIN && box.bottom > view.top;
}

/**
 * A number that changes each time `element` comes near #main's viewport (an IntersectionObserver
 * as the trigger; whether it still is near is measured when acting, never taken from the
 * observer's last report, which lags a render behind).
 */
function useComingNear(element: HTMLElement | null, enabled: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled || !element || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setTick((t) => t + 1);
      },
      { root: document.getElementById("main"), rootMargin: `0px 0px ${AUTO_LOAD_MARGIN}px 0px` },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [element, enabled]);
  return tick;
}

/**
 * The line under a paged list: how many items are shown (announced politely), anything the page
 * adds to it, and a button for the next page while there is one. With `autoLoad` the next page
 * also loads by itself once the footer scrolls near the viewport (infinite scroll; the button
 * stays for keyboards). A failed page stops that until the button is used.
 */
export function ListFooter({
  count,
  noun,
  query,
  note,
  moreLabel = "Load more",
  autoLoad = false,
}: {
  count: number;
  /** Singular and plural: ["event", "events"]. */
  noun: [string, string];
  query: Paged;
  note?: ReactNode;
  moreLabel?: string;
  autoLoad?: boolean;
}) {
  const [footer, setFooter] = useState<HTMLDivElement | null>(null);
  const armed = autoLoad && query.hasNextPage && !query.isFetchNextPageError;
  const tick = useComingNear(footer, armed);
  const fetchNext = useRef(query.fetchNextPage);
  fetchNext.current = query.fetchNextPage;
  // On coming near, and again after each page (still near: the page was short), load the next.
  useEffect(() => {
    if (armed && !query.isFetchingNextPage && footer && isNearViewport(footer)) void fetchNext.current();
  }, [tick, armed, query.isFetchingNextPage, footer]);

  return (
    <div ref={setFooter} className="flex items-center justify-between border-t border-border px-4 py-2 text-xs text-muted-foreground">
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
