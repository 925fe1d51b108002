import { readFileSync } from "node:fs";
import { expect, signInWithForm, test, ADMIN_PASSWORD } from "./fixtures";
import { promptPutOff, STORAGE_STATE } from "./global-setup";

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [promptPutOff(process.env.CRONIUM_E2E_URL ?? "")] } });

  test("keyboard: Tab reaches the sign-in button and Enter submits", async ({ page }) => {
    await page.goto("/login");
    const username = page.getByLabel("Username");
    await expect(username).toBeFocused();
    await page.keyboard.type("admin");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Password")).toBeFocused();
    await page.keyboard.type(ADMIN_PASSWORD());
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  });

  test("a wrong password shows an error and stays on the page", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Username").fill("nobody-here");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong username or password");
    await expect(page).toHaveURL(/\/login/);
  });

  test("a page opened while signed out comes back after signing in", async ({ page }) => {
    await page.goto("/events?status=ACTIVE");
    await expect(page).toHaveURL(/\/login\?next=%2Fevents%3Fstatus%3DACTIVE/);
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(ADMIN_PASSWORD());
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/events\?status=ACTIVE$/);
    await expect(page.getByRole("heading", { name: "Events" })).toBeVisible();
    await expect(page.getByLabel("Status")).toHaveValue("ACTIVE");
  });

  test("sign out ends the session", async ({ page }) => {
    await signInWithForm(page);
    await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
    await page.getByRole("button", { name: /^Account:/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    expect((await page.request.get("/api/v1/auth/me")).status()).toBe(401);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
  });
});

test("a change without the CSRF header is refused", async ({ request }) => {
  const response = await request.post("/api/v1/events", { data: { name: "no-csrf", type: "BASH" } });
  expect(response.status()).toBe(403);
});

test("the first admin is asked once to replace the printed password", async ({ browser }) => {
  // The admin's session without the "Later" the other tests' browsers keep.
  const saved = JSON.parse(readFileSync(STORAGE_STATE, "utf8")) as { cookies: unknown[] };
  const context = await browser.newContext({
    baseURL: process.env.CRONIUM_E2E_URL,
    storageState: { cookies: saved.cookies as never, origins: [] },
  });
  const page = await context.newPage();
  await page.goto("/");
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("printed when it first started");
  await dialog.getByRole("button", { name: "Later" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await context.close();
});
