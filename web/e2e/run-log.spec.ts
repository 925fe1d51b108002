// The log viewer against a real run with a large, coloured output: virtualised rows, the tail
// followed and paused, a trimmed backlog shown as a gap, the stored log loaded whole afterwards.
import path from "node:path";
import { mkdirSync } from "node:fs";
import { createEvent, csrfToken, expect, SCREENSHOTS, test } from "./fixtures";

mkdirSync(SCREENSHOTS, { recursive: true });
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);
const suffix = Date.now().toString(36);

// Tracing records every WebSocket frame and DOM snapshot, which slows this page down tenfold.
test.use({ trace: "off" });

test("a large coloured log: virtualised, follow pauses and resumes, a trimmed backlog shows a gap, the full log loads", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  const name = `e2e-big-log-${suffix}`;
  const ev = await createEvent(request, {
    name,
    type: "BASH",
    content: "printf '\\033[1;32mgreen bold\\033[0m and \\033[31mred\\033[0m\\n'; seq 2 12000; sleep 15; echo done",
    status: "ACTIVE",
    timeoutSeconds: 60,
  });
  const run = await request.post(`/api/v1/events/${ev.id}/run`, {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: {},
  });
  const { executionId } = await run.json();
  await page.goto(`/runs/${executionId}`);
  const log = page.getByRole("region", { name: "Log output" });
  // Following: the newest lines come into view; only the rows in view are in the DOM.
  await expect(log.locator("[data-text]", { hasText: /^12000$/ })).toBeVisible({ timeout: 20_000 });
  expect(await page.locator("[data-stream]").count()).toBeLessThan(200);

  // A reader that comes while the run sleeps gets the hub's backlog, trimmed to its newest part.
  await page.reload();
  await expect(log.locator("[data-text]", { hasText: /^12000$/ })).toBeVisible();
  await expect(page.getByText("Live", { exact: true })).toBeVisible();

  // Scrolling up pauses the tail.
  await log.hover();
  await page.mouse.wheel(0, -3000);
  const jump = page.getByRole("button", { name: "Jump to latest" });
  await expect(jump).toBeVisible();
  await log.focus();
  await page.keyboard.press("Home");
  const gap = log.getByText(/were not sent/);
  await expect(gap).toBeVisible();
  await expect(log).toContainText("The full log can be loaded after the run ends.");
  await page.screenshot({ path: shot("run-big-log-gap-light") });

  // The end arrives while paused: the view stays where it is.
  await expect(page.getByText("Complete", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(gap).toBeVisible();
  await expect(log.locator("[data-text]", { hasText: /^done$/ })).toHaveCount(0);
  await jump.click();
  await expect(jump).toBeHidden();
  await expect(log.locator("[data-text]", { hasText: /^done$/ })).toBeVisible();

  // After the end the stored output loads whole; ANSI colours become classes, the escapes go.
  await log.focus();
  await page.keyboard.press("Home");
  await log.getByRole("button", { name: "Load the full log" }).click();
  await log.focus();
  await page.keyboard.press("Home");
  await expect(log.locator(".ansi-green-fg.font-bold")).toHaveText("green bold");
  await expect(log.locator(".ansi-red-fg")).toHaveText("red");
  await expect(log).not.toContainText("[31m");
  await expect(log.getByText(/were not sent/)).toHaveCount(0);
  await expect(page.getByText("12,001 lines")).toBeVisible();
  await page.screenshot({ path: shot("run-big-log-full-light") });
});
