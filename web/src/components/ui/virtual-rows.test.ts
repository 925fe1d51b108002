import { describe, expect, it } from "vitest";
import { isVirtual, LIVE_PAGE_LIMIT, liveInterval, offsetInScroller, spacerHeights, VIRTUAL_THRESHOLD } from "./virtual-rows";

describe("virtual rows", () => {
  it("virtualises only lists longer than the threshold", () => {
    expect(isVirtual(0)).toBe(false);
    expect(isVirtual(VIRTUAL_THRESHOLD)).toBe(false);
    expect(isVirtual(VIRTUAL_THRESHOLD + 1)).toBe(true);
    expect(isVirtual(10_000)).toBe(true);
    expect(isVirtual(5, 4)).toBe(true);
  });

  it("sizes the spacers from the rendered rows, whose starts include the scroll margin", () => {
    // 1,000 rows of 50 px, the list 300 px down main's content, rows 20..39 rendered.
    const margin = 300;
    const items = Array.from({ length: 20 }, (_, k) => ({ start: margin + (20 + k) * 50, end: margin + (21 + k) * 50 }));
    expect(spacerHeights(items, 50_000, margin)).toEqual({ before: 1_000, after: 50_000 - 40 * 50 });
    // The first rows rendered: no spacer above; the last ones: none below.
    expect(spacerHeights([{ start: margin, end: margin + 50 }], 100, margin)).toEqual({ before: 0, after: 50 });
    expect(spacerHeights([{ start: margin + 50, end: margin + 100 }], 100, margin)).toEqual({ before: 50, after: 0 });
  });

  it("stands one spacer in for all rows before any is rendered, and never sizes one below zero", () => {
    expect(spacerHeights([], 5_000, 120)).toEqual({ before: 0, after: 5_000 });
    // A margin measured a moment late: the rows seem to start above the list.
    expect(spacerHeights([{ start: 100, end: 150 }], 150, 120)).toEqual({ before: 0, after: 120 });
  });

  it("places the list inside the scroller's content, whatever the scroll", () => {
    // The scroller's top at 48 px (under the header), the list's top 252 px into the window.
    expect(offsetInScroller(252, 48, 0, 0)).toBe(204);
    // Scrolled 1,000 px: the list's rect moved up by as much; the offset stays.
    expect(offsetInScroller(-748, 48, 0, 1_000)).toBe(204);
    expect(offsetInScroller(252.4, 48, 1, 0)).toBe(203);
  });

  it("refreshes a paged list on its timer only while a few pages are loaded", () => {
    expect(liveInterval(1, 30_000)).toBe(30_000);
    expect(liveInterval(LIVE_PAGE_LIMIT, 5_000)).toBe(5_000);
    expect(liveInterval(LIVE_PAGE_LIMIT + 1, 5_000)).toBe(false);
  });
});
