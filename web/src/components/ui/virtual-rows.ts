// Long lists (events, runs) render only the rows near the viewport. The scrolling element is the
// app's <main id="main">, not the list: the rows' positions count from where the list starts
// inside main (the virtualizer's scrollMargin, measured here). The rows stay in normal flow —
// table rows in a real <tbody>, cards in a <ul> — with one spacer element above and one below
// standing in for the rows not rendered, so table semantics and CSS stay as they are.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";

/** Lists longer than this render only the rows near the viewport; shorter ones render whole. */
export const VIRTUAL_THRESHOLD = 100;

/** Tailwind's `sm`: tables from here up, cards below. */
export const WIDE_QUERY = "(min-width: 40rem)";

/** The id of the scrolling element every page lives in (see AppShell). */
const SCROLLER_ID = "main";

/** Whether a list of `count` rows renders only part of them. */
export function isVirtual(count: number, threshold = VIRTUAL_THRESHOLD): boolean {
  return count > threshold;
}

/**
 * The heights of the spacers above and below the rendered rows. `items` are the rendered rows
 * (starts and ends count from the scroller's content top, so include `scrollMargin`);
 * `totalSize` is all the rows' height (without the margin).
 */
export function spacerHeights(
  items: readonly { start: number; end: number }[],
  totalSize: number,
  scrollMargin: number,
): { before: number; after: number } {
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return { before: 0, after: Math.max(0, totalSize) };
  return {
    before: Math.max(0, first.start - scrollMargin),
    after: Math.max(0, totalSize - (last.end - scrollMargin)),
  };
}

/** Where a list starts inside a scroller's content, from their client rects and the scroll offset. */
export function offsetInScroller(listTop: number, scrollerTop: number, scrollerClientTop: number, scrollTop: number): number {
  return Math.round(listTop - scrollerTop - scrollerClientTop + scrollTop);
}

const subscribeMedia = (query: string) => (onChange: () => void) => {
  if (typeof window.matchMedia !== "function") return () => {};
  const media = window.matchMedia(query);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
};

/** Whether a media query matches now (re-renders when that changes). */
export function useMediaQuery(query: string, fallback = true): boolean {
  const subscribe = useMemo(() => subscribeMedia(query), [query]);
  return useSyncExternalStore(subscribe, () =>
    typeof window.matchMedia === "function" ? window.matchMedia(query).matches : fallback,
  );
}

export interface VirtualRows {
  /** Only part of the rows are rendered (the list is longer than the threshold). */
  virtual: boolean;
  /** The indexes of the rows to render, in order (all of them unless virtual). */
  indexes: number[];
  /** Heights of the spacers above and below the rendered rows (0 unless virtual). */
  before: number;
  after: number;
  /** The list element's ref: the <tbody> or the <ul> the rows are children of. */
  listRef: (element: HTMLElement | null) => void;
  /** Each rendered row's ref (the row also carries data-index); measures its height. */
  rowRef: ((element: HTMLElement | null) => void) | undefined;
  /** Brings row `index` into view (rendering it first if needed) and focuses its first link. */
  focusRow: (index: number) => void;
}

/**
 * The rows of a long list to render, virtualised against #main above `threshold` rows.
 * `keyOf` should be stable (a module-level function); `estimate` is a row's usual height in px.
 */
export function useVirtualRows<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  { estimate, threshold = VIRTUAL_THRESHOLD, overscan = 8 }: { estimate: number; threshold?: number; overscan?: number },
): VirtualRows {
  const virtual = isVirtual(items.length, threshold);
  const list = useRef<HTMLElement | null>(null);
  const listRef = useCallback((element: HTMLElement | null) => {
    list.current = element;
  }, []);

  // Where the list starts inside main's content: measured after every render and whenever the
  // page's content changes size (a filter line appearing above the list, a window resize).
  const [scrollMargin, setScrollMargin] = useState(0);
  const measureMargin = useCallback(() => {
    const scroller = document.getElementById(SCROLLER_ID);
    const element = list.current;
    if (!scroller || !element) return;
    const margin = offsetInScroller(
      element.getBoundingClientRect().top,
      scroller.getBoundingClientRect().top,
      scroller.clientTop,
      scroller.scrollTop,
    );
    setScrollMargin((m) => (m === margin ? m : margin));
  }, []);
  useLayoutEffect(() => {
    if (virtual) measureMargin();
  });
  useEffect(() => {
    const content = document.getElementById(SCROLLER_ID)?.firstElementChild;
    if (!virtual || !content || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measureMargin);
    observer.observe(content);
    return () => observer.disconnect();
  }, [virtual, measureMargin]);

  const getItemKey = useCallback((i: number) => keyOf(items[i]!), [items, keyOf]);
  const virtualizer = useVirtualizer<HTMLElement, HTMLElement>({
    count: virtual ? items.length : 0,
    enabled: virtual,
    getScrollElement: () => document.getElementById(SCROLLER_ID),
    estimateSize: () => estimate,
    overscan,
    scrollMargin,
    getItemKey,
  });

  const rendered = virtual ? virtualizer.getVirtualItems() : [];
  const { before, after } = virtual ? spacerHeights(rendered, virtualizer.getTotalSize(), scrollMargin) : { before: 0, after: 0 };
  const indexes = virtual ? rendered.map((item) => item.index) : items.map((_, i) => i);

  const frame = useRef(0);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  const focusRow = useCallback(
    (index: number) => {
      cancelAnimationFrame(frame.current);
      let scrolled = false;
      const attempt = (tries: number) => {
        const row = list.current?.querySelector<HTMLElement>(`:scope > [data-index="${index}"]`);
        if (row) {
          if (!row.contains(document.activeElement)) row.querySelector<HTMLElement>("a[href]")?.focus();
          row.scrollIntoView({ block: "nearest" });
          return;
        }
        // Not rendered: scroll it in, then look again once the virtualizer has rendered it.
        if (!virtual || tries === 0) return;
        if (!scrolled) virtualizer.scrollToIndex(index, { align: "auto" });
        scrolled = true;
        frame.current = requestAnimationFrame(() => attempt(tries - 1));
      };
      attempt(10);
    },
    [virtual, virtualizer],
  );

  return {
    virtual,
    indexes,
    before,
    after,
    listRef,
    rowRef: virtual ? virtualizer.measureElement : undefined,
    focusRow,
  };
}

/** Above this many loaded pages a list stops refreshing itself on a timer. */
export const LIVE_PAGE_LIMIT = 10;

/**
 * A paged list's refresh interval: `ms` while at most LIVE_PAGE_LIMIT pages are loaded, none
 * beyond (a refresh fetches every loaded page again: 200 requests at 10,000 rows).
 */
export function liveInterval(pages: number, ms: number): number | false {
  return pages > LIVE_PAGE_LIMIT ? false : ms;
}
