// The runs list and the run page against real runs in the real sandbox: a live log streamed
// line by line with stderr marked, cancelling from the run page, filters in the URL, j/k, 360 px,
// and axe in light and dark.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { createEvent, csrfToken, expect, SCREENSHOTS, seriousA11yViolations, setTheme, test } from "./fixtures";

mkdirSync(SCREENSHOTS, { recursive: true });
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);
const noHorizontalOverflow = (page: Page) =>
  page.evaluate(() =>
    [document.documentElement, document.getElementById("main")!].every((el) => el.scrollWidth <= el.clientWidth),
  );

/** The log's rendered lines as [stream, text] (the text without the gutter). */
const logLines = (page: Page) =>
  page.locator("[data-stream]").evaluateAll((rows) =>
    rows.map((r) => [r.getAttribute("data-stream"), r.querySelector("[data-text]")?.textContent ?? ""]),
  );

test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const PRINTER = `e2e-printer-${suffix}`;
const SLEEPER = `e2e-sleeper-run-${suffix}`;
let printerRun = "";
let sleeperId = "";
let sleeperRun = "";

test("Run now from the UI: the run page streams lines 1..5 in order, stderr marked, then the status", async ({
  page,
  request,
}) => {
  await createEvent(request, {
    name: PRINTER,
    type: "BASH",
    content: 'for i in $(seq 1 5); do echo "line $i"; sleep 0.3; done; echo oops >&2',
    status: "ACTIVE",
    timeoutSeconds: 60,
  });


  await page.goto(`/events?q=${PRINTER}`);
  await page.getByRole("row").filter({ hasText: PRINTER }).getByRole("button", { name: `Run ${PRINTER} now` }).click();
  await page.getByRole("button", { name: "View run" }).click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
  printerRun = page.url().split("/runs/")[1]!;
  await expect(page.getByRole("heading", { name: PRINTER })).toBeVisible();

  const log = page.getByRole("region", { name: "Log output" });
  await expect(log).toContainText("line 5", { timeout: 15_000 });
  await expect
    .poll(async () => (await logLines(page)).filter(([s]) => s === "stdout").map(([, t]) => t))
    .toEqual(["line 1", "line 2", "line 3", "line 4", "line 5"]);
  const stderr = page.locator('[data-stream="stderr"]');
  await expect(stderr).toHaveCount(1);
  await expect(stderr).toContainText("oops");
  await expect(stderr).toContainText("ERR"); // the gutter mark, not colour alone

  await expect(page.getByText("Complete", { exact: true })).toBeVisible({ timeout: 15_000 });
  const header = page.locator("h1").locator("..");
  await expect(header).toContainText("Succeeded");
  await expect(page.getByText("Exit code").locator("..")).toContainText("0");

  // Filters, search and line anchors.
  await page.getByRole("button", { name: "stderr", exact: true }).click();
  await expect(page.locator("[data-stream]")).toHaveCount(1);
  await page.getByRole("button", { name: "All", exact: true }).click();
  await page.getByLabel("Search the log").fill("line");
  await expect(page.getByText("5 matches").or(page.getByText("0 of 5"))).toBeVisible();
  await page.getByLabel("Search the log").press("Enter");
  await expect(page.getByText("1 of 5")).toBeVisible();
  await page.getByRole("button", { name: "Next match" }).click();
  await expect(page.getByText("2 of 5")).toBeVisible();
  await page.screenshot({ path: shot("run-finished-light"), fullPage: true });

  await page.goto(`/runs/${printerRun}#L3`);
  await expect(page.locator("#L3")).toHaveAttribute("data-anchored", "true");

  // Run again starts a new run of the same event and opens it.
  await page.getByRole("button", { name: "Run again" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${printerRun}`));
  await expect(page).toHaveURL(/\/runs\/exe_/);
  await expect(page.getByRole("heading", { name: PRINTER })).toBeVisible();
  await expect(page.getByRole("region", { name: "Log output" })).toContainText("line 1", { timeout: 15_000 });
});

test("cancel a running sleep 60 from the run page; reload keeps the page", async ({ page, request }) => {
  const sleeper = await createEvent(request, {
    name: SLEEPER,
    type: "BASH",
    content: "echo started; sleep 60",
    status: "ACTIVE",
    timeoutSeconds: 120,
  });
  sleeperId = sleeper.id;
  const run = await request.post(`/api/v1/events/${sleeper.id}/run`, {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: {},
  });
  expect(run.status()).toBe(202);
  sleeperRun = (await run.json()).executionId;

  await page.goto(`/runs/${sleeperRun}`);
  const header = page.locator("h1").locator("..");
  await expect(header).toContainText("Running", { timeout: 15_000 });
  await expect(page.getByRole("region", { name: "Log output" })).toContainText("started");
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await page.screenshot({ path: shot("run-live-light"), fullPage: true });

  await page.getByRole("button", { name: "Cancel", exact: true }).click();
  const dialog = page.getByRole("alertdialog", { name: "Cancel this run?" });
  await expect(dialog).toContainText(SLEEPER);
  await dialog.getByRole("button", { name: "Cancel run" }).click();
  await expect(header).toContainText("Cancelled", { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Cancel", exact: true })).toHaveCount(0);

  await page.reload();
  await expect(page.getByRole("heading", { name: SLEEPER })).toBeVisible();
  await expect(header).toContainText("Cancelled");
  await expect(page.getByRole("region", { name: "Log output" })).toContainText("started");
});

test("the runs list shows both runs; filters live in the URL and survive a reload; j/k and Enter", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
  await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
  const printerRow = page.getByRole("row").filter({ hasText: printerRun });
  const sleeperRow = page.getByRole("row").filter({ hasText: sleeperRun });
  await expect(printerRow).toContainText(PRINTER);
  await expect(printerRow).toContainText("Succeeded");
  await expect(printerRow).toContainText("Manual");
  await expect(sleeperRow).toContainText("Cancelled");

  await page.getByLabel("Status").selectOption("CANCELLED");
  await expect(page).toHaveURL(/status=CANCELLED/);
  await expect(sleeperRow).toBeVisible();
  await expect(printerRow).toHaveCount(0);
  await page.getByLabel("Event").selectOption(sleeperId);
  await expect(page).toHaveURL(new RegExp(`event=${sleeperId}`));
  const today = new Date();
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  await page.getByLabel("From").fill(day);
  await expect(page).toHaveURL(new RegExp(`from=${day}`));

  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("CANCELLED");
  await expect(page.getByLabel("Event")).toHaveValue(sleeperId);
  await expect(page.getByLabel("From")).toHaveValue(day);
  await expect(sleeperRow).toBeVisible();
  await expect(printerRow).toHaveCount(0);

  await page.getByRole("button", { name: "Clear" }).click();
  await expect(page).toHaveURL(/\/runs$/);
  await expect(printerRow).toBeVisible();

  // Keyboard: j selects the first row (newest: the sleeper), j the next, k back; Enter opens.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("j");
  await expect(page.locator("tr[data-selected]")).toContainText(sleeperRun);
  await page.keyboard.press("j");
  await expect(page.locator("tr[data-selected]")).toContainText(PRINTER); // its second run
  await page.keyboard.press("k");
  await expect(page.locator("tr[data-selected]")).toContainText(sleeperRun);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/runs/${sleeperRun}$`));
});

test("360 px: the runs list as cards and the run page", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/runs");
  await expect(page.getByRole("listitem").filter({ hasText: printerRun })).toContainText(PRINTER);
  expect(await noHorizontalOverflow(page)).toBe(true);
  await page.screenshot({ path: shot("runs-360"), fullPage: true });

  await page.getByRole("link", { name: new RegExp(printerRun) }).click();
  await expect(page.getByRole("heading", { name: PRINTER })).toBeVisible();
  await expect(page.getByRole("region", { name: "Log output" })).toContainText("line 5");
  expect(await noHorizontalOverflow(page)).toBe(true);
  await page.screenshot({ path: shot("run-360"), fullPage: true });
});

for (const theme of ["light", "dark"] as const) {
  test(`runs and run page (${theme}): a11y and screenshots`, async ({ page }) => {
    await page.goto("/runs");
    await setTheme(page, theme);
    await page.reload();
    await expect(page.getByRole("row").filter({ hasText: printerRun })).toBeVisible();
    await page.screenshot({ path: shot(`runs-${theme}`), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.goto(`/runs/${printerRun}`);
    await expect(page.getByRole("region", { name: "Log output" })).toContainText("oops");
    await page.getByRole("button", { name: "Show timestamps" }).click();
    await page.screenshot({ path: shot(`run-${theme}`), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
}

test("dashboard: the runs chart and every planned run of the next 24 hours, with show more", async ({ page, request }) => {
  const name = `e2e-every-10-min-${suffix}`;
  await createEvent(request, {
    name,
    type: "BASH",
    content: "true",
    status: "ACTIVE",
    schedule: { kind: "INTERVAL", intervalSeconds: 600 },
  });
  await page.goto("/");
  const chart = page.getByRole("region", { name: "Runs in the last 24 hours" });
  await expect(chart.getByRole("img")).toHaveAttribute("aria-label", /[1-9]\d* succeeded.*[1-9]\d* cancelled/);
  await expect(chart.getByRole("list", { name: "Legend and counts" })).toContainText("Succeeded");

  const next = page.getByRole("region", { name: "Next 24 hours" });
  const items = next.getByRole("listitem").filter({ hasText: name });
  await expect(items.first()).toBeVisible();
  const before = await next.getByRole("listitem").count();
  expect(before).toBe(8);
  await next.getByRole("button", { name: "Show more" }).click();
  await expect(next.getByRole("listitem")).toHaveCount(16);
  await expect(items.first()).toContainText(/in \d+m/);
  await next.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot("dashboard-next-24h-light"), fullPage: true });
  await chart.scrollIntoViewIfNeeded();
  await chart.screenshot({ path: shot("dashboard-chart-light") });

  await page.setViewportSize({ width: 360, height: 740 });
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.getByRole("img")).toHaveAttribute("width", /^(2\d\d|3[0-5]\d)$/);
  expect(await noHorizontalOverflow(page)).toBe(true);
  await chart.screenshot({ path: shot("dashboard-chart-360") });
  await next.scrollIntoViewIfNeeded();
  await next.screenshot({ path: shot("dashboard-next-24h-360") });
});
