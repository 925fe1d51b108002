// Long lists stay small in the DOM: 300 events and 120 runs (past the virtualising threshold of
// 100 rows) load page by page (the button, then by scrolling #main near the end), only the rows
// near the viewport are rendered, scrolling to the bottom shows the last row, j/k walk past the
// rendered rows, and at 360 px the cards do the same. Everything made here is deleted at the end
// (an event's runs go with it).
import type { APIRequestContext, Page } from "@playwright/test";
import { adminRequest } from "./accounts";
import { csrfToken, expect, seriousA11yViolations, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const PREFIX = `e2e-big-${suffix}`;
const RUNNER = `e2e-bigruns-${suffix}`;
const EVENTS = 300;
const RUNS = 120;
/** Far more than a viewport's rows plus overscan (about 30 at 800 px), far fewer than loaded. */
const MAX_RENDERED = 60;

const eventIds: string[] = [];
let runnerId = "";
/** The events' names and the runs' ids in the lists' order (as the API pages them). */
let eventOrder: string[] = [];
/** One of the events as the API renders it: the model of the stubbed 10,000. */
let eventTemplate: Record<string, unknown> = {};
let runOrder: string[] = [];

const nameOf = (i: number) => `${PREFIX}-${String(i).padStart(4, "0")}`;

/** Every page of a list endpoint, following the cursors. */
async function allPages<T>(request: APIRequestContext, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; ++pages) {
    const url: string = `${path}${path.includes("?") ? "&" : "?"}limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const response = await request.get(url);
    expect(response.ok(), await response.text()).toBeTruthy();
    const page = (await response.json()) as { items: T[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(240_000);
  const request = await adminRequest(playwright);
  const headers = { "X-CSRF-Token": await csrfToken(request) };

  // 300 events, 10 at a time; every third with tags and a description (a taller row and card).
  for (let start = 0; start < EVENTS; start += 10) {
    const batch = Array.from({ length: Math.min(10, EVENTS - start) }, (_, k) => start + k);
    const made = await Promise.all(
      batch.map(async (i) => {
        const response = await request.post("/api/v1/events", {
          headers,
          data: {
            name: nameOf(i),
            type: "BASH",
            content: "true",
            status: "ACTIVE",
            ...(i % 3 === 0 ? { description: "a longer row for the big list", tags: ["big", "e2e"] } : {}),
          },
        });
        expect(response.status(), await response.text()).toBe(201);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    eventIds.push(...made);
  }

  // 120 runs of one `true` script, started 5 at a time, then waited for.
  const runner = await request.post("/api/v1/events", {
    headers,
    data: { name: RUNNER, type: "BASH", content: "true", status: "ACTIVE", timeoutSeconds: 60 },
  });
  expect(runner.status(), await runner.text()).toBe(201);
  runnerId = ((await runner.json()) as { id: string }).id;
  let last = "";
  for (let start = 0; start < RUNS; start += 5) {
    const started = await Promise.all(
      Array.from({ length: Math.min(5, RUNS - start) }, async () => {
        const response = await request.post(`/api/v1/events/${runnerId}/run`, { headers, data: {} });
        expect(response.status(), await response.text()).toBe(202);
        return ((await response.json()) as { executionId: string }).executionId;
      }),
    );
    last = started[started.length - 1]!;
  }
  await request.get(`/api/v1/executions/${last}?wait=30`, { timeout: 40_000 });
  await expect
    .poll(
      async () => {
        const page = await (await request.get(`/api/v1/events/${runnerId}/executions?view=summary&status=QUEUED,RUNNING`)).json();
        return page.items.length;
      },
      { timeout: 180_000, intervals: [1_000] },
    )
    .toBe(0);

  const events = await allPages<{ name: string }>(request, `/api/v1/events?search=${PREFIX}`);
  eventOrder = events.map((e) => e.name);
  eventTemplate = events[0]!;
  runOrder = (await allPages<{ id: string }>(request, `/api/v1/events/${runnerId}/executions?view=summary`)).map((x) => x.id);
  expect(eventOrder).toHaveLength(EVENTS);
  expect(runOrder).toHaveLength(RUNS);
  await request.dispose();
});

test.afterAll(async ({ playwright }) => {
  test.setTimeout(120_000);
  const request = await adminRequest(playwright);
  const headers = { "X-CSRF-Token": await csrfToken(request) };
  const ids = [...eventIds, ...(runnerId ? [runnerId] : [])];
  for (let start = 0; start < ids.length; start += 10) {
    await Promise.all(ids.slice(start, start + 10).map((id) => request.delete(`/api/v1/events/${id}`, { headers })));
  }
  await request.dispose();
});

const scrollMain = (page: Page, to: "top" | "bottom") =>
  page.evaluate((where) => {
    const main = document.getElementById("main")!;
    main.scrollTop = where === "top" ? 0 : main.scrollHeight;
  }, to);

/** Scrolls #main to the bottom until the footer says every row is loaded. */
async function loadAllByScrolling(page: Page, all: RegExp) {
  const footer = page.locator("[aria-live=polite]").filter({ hasText: /\d+ (events?|runs?)/ });
  await expect
    .poll(
      async () => {
        await scrollMain(page, "bottom");
        return (await footer.textContent())?.trim() ?? "";
      },
      { timeout: 30_000, intervals: [250] },
    )
    .toMatch(all);
}

/** The rendered rows of the list (not the spacers). */
const renderedRows = (page: Page, selector = "#main tbody tr[data-index]") => page.locator(selector).count();

/** The data-index of the row holding the focus (-1: none). */
const focusedIndex = (page: Page) =>
  page.evaluate(() => Number(document.activeElement?.closest("[data-index]")?.getAttribute("data-index") ?? -1));

test("events: 300 load page by page, only the rows in view are rendered, the last scrolls in, j/k walk on", async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.goto(`/events?q=${PREFIX}`);
  const row = (i: number) => page.getByRole("row").filter({ hasText: eventOrder[i]! });
  await expect(row(0)).toBeVisible();
  await expect(page.getByText(/^50 events shown/)).toBeVisible();
  // Under the threshold every row is rendered.
  expect(await renderedRows(page)).toBe(50);

  // The button loads the next page (the keyboard's way); scrolling loads the rest.
  await page.getByRole("button", { name: "Load more" }).click();
  await expect(page.getByText(/^(1\d\d|2\d\d|300) events/)).toBeVisible();
  await loadAllByScrolling(page, /^300 events$/);
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);

  // At the bottom: the last row is there and in view, the first is not rendered, and the DOM
  // holds a small window of the 300 rows.
  await scrollMain(page, "bottom");
  await expect(row(EVENTS - 1)).toBeInViewport();
  await expect(row(0)).toHaveCount(0);
  const atBottom = await renderedRows(page);
  expect(atBottom).toBeGreaterThan(5);
  expect(atBottom).toBeLessThan(MAX_RENDERED);
  await expect(page.getByRole("table", { name: "Events" })).toHaveAttribute("aria-rowcount", String(EVENTS + 1));
  await expect(row(EVENTS - 1)).toHaveAttribute("aria-rowindex", String(EVENTS + 1));
  expect(await seriousA11yViolations(page)).toEqual([]);

  // Back at the top: the first rows again, the last gone.
  await scrollMain(page, "top");
  await expect(row(0)).toBeInViewport();
  await expect(row(EVENTS - 1)).toHaveCount(0);
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);

  // j/k: from the first row, 60 steps down walk past every row rendered at first.
  await page.locator("#main h1").click();
  await page.keyboard.press("j");
  await expect(row(0).getByRole("link", { name: eventOrder[0] })).toBeFocused();
  for (let i = 0; i < 60; ++i) await page.keyboard.press("j");
  await expect.poll(() => focusedIndex(page)).toBe(60);
  await expect(row(60).getByRole("link", { name: eventOrder[60] })).toBeFocused();
  await expect(row(60)).toBeInViewport();
  for (let i = 0; i < 5; ++i) await page.keyboard.press("k");
  await expect(row(55).getByRole("link", { name: eventOrder[55] })).toBeFocused();
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);

  // At the bottom (the focused row no longer rendered), k starts from the last row.
  await scrollMain(page, "bottom");
  await expect(row(55)).toHaveCount(0);
  await page.keyboard.press("k");
  await expect.poll(() => focusedIndex(page)).toBe(EVENTS - 1);
  await page.keyboard.press("k");
  await expect(row(EVENTS - 2).getByRole("link", { name: eventOrder[EVENTS - 2] })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: eventOrder[EVENTS - 2] })).toBeVisible();
});

test("runs: 120 load by scrolling, only the rows in view are rendered, j/k bring an unrendered run back", async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(`/runs?event=${runnerId}`);
  const row = (i: number) => page.getByRole("row").filter({ hasText: runOrder[i]! });
  await expect(row(0)).toBeVisible();
  await loadAllByScrolling(page, /^120 runs$/);

  await scrollMain(page, "bottom");
  await expect(row(RUNS - 1)).toBeInViewport();
  await expect(row(0)).toHaveCount(0);
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);
  await expect(page.getByRole("table")).toHaveAttribute("aria-rowcount", String(RUNS + 1));

  // j/k move the selection through all 120 (the page's own keys): 40 down from the top...
  await scrollMain(page, "top");
  await expect(row(0)).toBeInViewport();
  await page.locator("#main h1").click();
  for (let i = 0; i < 41; ++i) await page.keyboard.press("j");
  await expect(page.locator("tr[data-selected]")).toContainText(runOrder[40]!);
  await expect(page.getByRole("link", { name: new RegExp(`^Run ${runOrder[40]} of `) })).toBeFocused();
  // ...then, scrolled away to the end (row 40 unrendered), k brings row 39 back and focuses it.
  await scrollMain(page, "bottom");
  await expect(row(40)).toHaveCount(0);
  await page.keyboard.press("k");
  await expect(page.locator("tr[data-selected]")).toContainText(runOrder[39]!);
  await expect(row(39)).toBeInViewport();
  await expect(page.getByRole("link", { name: new RegExp(`^Run ${runOrder[39]} of `) })).toBeFocused();
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/runs/${runOrder[39]}$`));
});

test("360 px: the cards of both lists are virtualised too, rows of different heights measured", async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 740 });
  const cards = "#main li[data-list-row][data-index]";

  await page.goto(`/events?q=${PREFIX}`);
  const card = (i: number) => page.locator(cards).filter({ hasText: eventOrder[i]! });
  await expect(card(0)).toBeVisible();
  await loadAllByScrolling(page, /^300 events$/);
  await scrollMain(page, "bottom");
  await expect(card(EVENTS - 1)).toBeInViewport();
  await expect(card(0)).toHaveCount(0);
  expect(await renderedRows(page, cards)).toBeLessThan(40);
  // Cards with tags and a description are taller (each measured: the last one still ends the list).
  const heights = await page.locator(cards).evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().height)));
  expect(new Set(heights).size).toBeGreaterThan(1);
  await expect(page.locator("#main li[data-list-row]:last-child")).toContainText(eventOrder[EVENTS - 1]!);
  expect(await page.evaluate(() => document.getElementById("main")!.scrollWidth <= document.getElementById("main")!.clientWidth)).toBe(true);
  // j moves through cards as through rows.
  await scrollMain(page, "top");
  await page.locator("#main h1").click();
  for (let i = 0; i < 12; ++i) await page.keyboard.press("j");
  await expect.poll(() => focusedIndex(page)).toBe(11);
  await expect(card(11)).toBeInViewport();

  await page.goto(`/runs?event=${runnerId}`);
  const runCard = (i: number) => page.locator(cards).filter({ hasText: runOrder[i]! });
  await expect(runCard(0)).toBeVisible();
  await loadAllByScrolling(page, /^120 runs$/);
  await scrollMain(page, "bottom");
  await expect(runCard(RUNS - 1)).toBeInViewport();
  await expect(runCard(0)).toHaveCount(0);
  expect(await renderedRows(page, cards)).toBeLessThan(40);
});

test("10,000 events (pages answered by the test, modelled on a real one): a small DOM, the end reachable", async ({ page }) => {
  test.setTimeout(90_000);
  const TOTAL = 10_000;
  const PER_PAGE = 1_000; // the UI asks for 50; bigger pages only make the test quicker
  const stub = (i: number) => `stub-10k-${String(i).padStart(5, "0")}`;
  await page.route(/\/api\/v1\/events\?/, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get("search") !== "stub-10k") return route.fallback();
    const from = Number(url.searchParams.get("cursor") ?? 0);
    const items = Array.from({ length: Math.min(PER_PAGE, TOTAL - from) }, (_, k) => ({
      ...eventTemplate,
      id: `evt_stub${String(from + k).padStart(5, "0")}`,
      name: stub(from + k),
    }));
    await route.fulfill({ json: { items, nextCursor: from + PER_PAGE < TOTAL ? String(from + PER_PAGE) : null } });
  });

  await page.goto("/events?q=stub-10k");
  const row = (i: number) => page.getByRole("row").filter({ hasText: stub(i) });
  await expect(row(0)).toBeVisible();
  await loadAllByScrolling(page, /^10000 events$/);
  await scrollMain(page, "bottom");
  await expect(row(TOTAL - 1)).toBeInViewport();
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);
  await expect(page.getByRole("table", { name: "Events" })).toHaveAttribute("aria-rowcount", String(TOTAL + 1));

  // The middle: a jump there renders the rows there, and only those.
  await page.evaluate(() => {
    const main = document.getElementById("main")!;
    main.scrollTop = main.scrollHeight / 2;
  });
  await expect
    .poll(() => page.evaluate(() => Number(document.querySelector("#main tbody tr[data-index]")?.getAttribute("data-index"))))
    .toBeGreaterThan(4_000);
  expect(await renderedRows(page)).toBeLessThan(MAX_RENDERED);
  await page.keyboard.press("j");
  const focused = await focusedIndex(page);
  expect(focused).toBeGreaterThan(4_000);
  await page.keyboard.press("j");
  await expect.poll(() => focusedIndex(page)).toBe(focused + 1);

  // Keys faster than frames (60 in one task: the list cannot render in between): the focus
  // walks on row by row past the rows rendered when they came.
  await page.evaluate(() => {
    for (let i = 0; i < 60; ++i) document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
  });
  await expect.poll(() => focusedIndex(page)).toBe(focused + 61);
  await expect(row(focused + 61)).toBeInViewport();
});
