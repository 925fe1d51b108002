import { expect, signInWithForm, test, ADMIN_PASSWORD } from "./fixtures";

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

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
