import { mkdirSync } from "node:fs";
import path from "node:path";
import { createEvent, expect, SCREENSHOTS, seriousA11yViolations, setTheme, test } from "./fixtures";
import { promptPutOff, STORAGE_STATE } from "./global-setup";

mkdirSync(SCREENSHOTS, { recursive: true });
// Neither the document nor the scrolling <main> may be wider than the viewport.
const noHorizontalOverflow = (page: import("@playwright/test").Page) =>
  page.evaluate(() =>
    [document.documentElement, document.getElementById("main")!].every((el) => el.scrollWidth <= el.clientWidth),
  );
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);


test.describe("login page", () => {
  test.use({ storageState: { cookies: [], origins: [promptPutOff(process.env.CRONIUM_E2E_URL ?? "")] } });

  for (const theme of ["light", "dark"] as const) {
    test(`login (${theme}) has no serious a11y findings`, async ({ page }) => {
      await page.goto("/login");
      await setTheme(page, theme);
      await page.reload();
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
      await page.screenshot({ path: shot(`login-${theme}`) });
      expect(await seriousA11yViolations(page)).toEqual([]);
    });
  }

  test("login at 360 px", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto("/login");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    await page.screenshot({ path: shot("login-360") });
  });
});

test.describe("signed in", () => {
  const suffix = Date.now().toString(36);
  const FAILING = `e2e-failing-report-${suffix}`;
  const PAUSED = `e2e-paused-cleanup-${suffix}`;
  test.beforeAll(async ({ playwright }) => {
    // Enough data that the pages show rows, a failure and a next run.
    const request = await playwright.request.newContext({
      baseURL: process.env.CRONIUM_E2E_URL,
      storageState: STORAGE_STATE,
    });
    const failing = await createEvent(request, {
      name: FAILING,
      type: "PYTHON",
      content: "import sys; sys.exit(3)",
      status: "ACTIVE",
      schedule: { kind: "INTERVAL", intervalSeconds: 3600 },
    });
    await createEvent(request, {
      name: PAUSED,
      type: "BASH",
      content: "echo cleanup",
      status: "PAUSED",
      schedule: { kind: "CRON", cron: "*/15 * * * *" },
    });
    const me = await (await request.get("/api/v1/auth/me")).json();
    await request.post(`/api/v1/events/${failing.id}/run`, { headers: { "X-CSRF-Token": me.csrfToken }, data: {} });
    await request.dispose();
  });

  for (const theme of ["light", "dark"] as const) {
    test(`dashboard and events (${theme}): a11y and screenshots`, async ({ page }) => {
      await page.goto("/");
      await setTheme(page, theme);
      await page.reload();
      await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
      await expect(page.getByRole("region", { name: "System" })).toContainText("Version");
      await expect(page.getByRole("region", { name: "Recent failures" })).toContainText(FAILING, {
        timeout: 15_000,
      });
      await page.screenshot({ path: shot(`dashboard-${theme}`), fullPage: true });
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("link", { name: "Events" }).first().click();
      await expect(page.getByRole("heading", { name: "Events" })).toBeVisible();
      await expect(page.getByRole("row").filter({ hasText: PAUSED })).toBeVisible();
      await page.screenshot({ path: shot(`events-${theme}`), fullPage: true });
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.goto("/nope");
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await page.screenshot({ path: shot(`not-found-${theme}`) });
    });
  }

  test("360 px: drawer navigation and cards", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    // The sidebar is hidden; no horizontal scrolling.
    await expect(page.getByRole("button", { name: "Collapse sidebar" })).toBeHidden();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: shot("dashboard-360"), fullPage: true });

    await page.getByRole("button", { name: "Open navigation" }).click();
    const drawer = page.getByRole("dialog", { name: "Navigation" });
    await expect(drawer).toBeVisible();
    await page.screenshot({ path: shot("drawer-360") });
    await drawer.getByRole("link", { name: "Events" }).click();
    await expect(drawer).toBeHidden();
    await expect(page.getByRole("heading", { name: "Events" })).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: PAUSED })).toBeVisible();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: shot("events-360"), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
