// Axe (no serious or critical findings) and screenshots of Variables, Settings and Admin in
// light and dark, and at 360 px.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { adminRequest } from "./accounts";
import { csrfToken, expect, SCREENSHOTS, seriousA11yViolations, setTheme, test } from "./fixtures";

mkdirSync(SCREENSHOTS, { recursive: true });
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);
const noHorizontalOverflow = (page: import("@playwright/test").Page) =>
  page.evaluate(() =>
    [document.documentElement, document.getElementById("main")!].every((el) => el.scrollWidth <= el.clientWidth),
  );

const PAGES: { path: string; name: string; ready: (page: import("@playwright/test").Page) => Promise<void> }[] = [
  {
    path: "/variables",
    name: "variables",
    ready: async (page) => {
      await expect(page.getByText("E2E_SCREEN_API_TOKEN").filter({ visible: true }).first()).toBeVisible({ timeout: 15_000 });
    },
  },
  { path: "/settings/profile", name: "settings-profile", ready: async (p) => void (await expect(p.getByLabel("Display name")).toBeVisible({ timeout: 15_000 })) },
  { path: "/settings/password", name: "settings-password", ready: async (p) => void (await expect(p.getByLabel("Current password")).toBeVisible({ timeout: 15_000 })) },
  { path: "/settings/appearance", name: "settings-appearance", ready: async (p) => void (await expect(p.getByRole("radio", { name: "UTC" })).toBeVisible({ timeout: 15_000 })) },
  { path: "/settings/tokens", name: "settings-tokens", ready: async (p) => void (await expect(p.getByRole("list", { name: "API tokens" }).getByRole("listitem").filter({ hasText: "e2e-screens" }).first()).toBeVisible({ timeout: 15_000 })) },
  { path: "/admin/users", name: "admin-users", ready: async (p) => void (await expect(p.getByTestId("user-admin")).toBeVisible({ timeout: 15_000 })) },
  { path: "/admin/audit", name: "admin-audit", ready: async (p) => void (await expect(p.getByText("variable.set").filter({ visible: true }).first()).toBeVisible({ timeout: 15_000 })) },
  { path: "/admin/system", name: "admin-system", ready: async (p) => void (await expect(p.getByText("this node", { exact: true })).toBeVisible({ timeout: 15_000 })) },
];

test.beforeAll(async ({ playwright }) => {
  const admin = await adminRequest(playwright);
  const headers = { "X-CSRF-Token": await csrfToken(admin) };
  for (const [key, value] of [
    ["E2E_SCREEN_API_TOKEN", "tok_live_0000"],
    ["E2E_SCREEN_CONFIG", { region: "eu-west-1", replicas: 3, features: ["a", "b"] }],
    ["orders/total", 1234.5],
  ] as const) {
    await admin.put(`/api/v1/variables/${encodeURIComponent(key)}`, { headers, data: { value } });
  }
  await admin.post("/api/v1/tokens", { headers, data: { name: "e2e-screens", scope: "read", expiresInDays: 30 } });
  await admin.dispose();
});

for (const theme of ["light", "dark"] as const) {
  for (const p of PAGES) {
    test(`${p.path} (${theme}): a11y and screenshot`, async ({ page }) => {
      await page.goto(p.path);
      await setTheme(page, theme);
      await page.reload();
      await expect(page.locator("html")).toHaveClass(new RegExp(theme));
      await p.ready(page);
      await page.screenshot({ path: shot(`${p.name}-${theme}`), fullPage: true });
      expect(await seriousA11yViolations(page)).toEqual([]);
    });
  }

  test(`variable editor dialog (${theme}): a11y and screenshot`, async ({ page }) => {
    await page.goto("/variables");
    await setTheme(page, theme);
    await page.reload();
    await page.getByRole("button", { name: "New variable" }).first().click();
    await expect(page.getByRole("dialog", { name: "New variable" })).toBeVisible();
    await page.getByLabel("Value (JSON)").fill('{"broken": ');
    await page.screenshot({ path: shot(`variables-dialog-${theme}`) });
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
}

test("360 px: variables, settings and admin fit the screen", async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 740 });
  for (const p of PAGES) {
    await page.goto(p.path);
    await p.ready(page);
    expect(await noHorizontalOverflow(page), p.path).toBe(true);
    await page.screenshot({ path: shot(`${p.name}-360`), fullPage: true });
  }
  await page.goto("/variables");
  const card = page.getByRole("list", { name: "Variables" }).getByRole("listitem").filter({ hasText: "E2E_SCREEN_API_TOKEN" });
  await expect(card).toContainText("hidden");
  await card.getByRole("button", { name: "Reveal the value of E2E_SCREEN_API_TOKEN" }).click();
  await expect(card).toContainText("tok_live_0000");
  expect(await seriousA11yViolations(page)).toEqual([]);
});
