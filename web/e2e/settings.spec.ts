import path from "node:path";
import { adminRequest, contextAs, createUser, TEST_PASSWORD, uniqueName } from "./accounts";
import { expect, SCREENSHOTS, test } from "./fixtures";

const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);

test("API tokens: the secret shows once, works, and stops working when revoked", async ({ page, playwright }) => {
  const name = uniqueName("e2e-ci");
  await page.goto("/settings/tokens");
  await expect(page.getByRole("tab", { name: "API tokens" })).toHaveAttribute("aria-selected", "true");
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New API token" });
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText("Give the token a name")).toBeVisible();
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Scope").selectOption("write");
  await dialog.getByLabel("Expires").selectOption("30");
  await dialog.getByRole("button", { name: "Create token" }).click();

  const once = page.getByRole("dialog", { name: `Token “${name}” created` });
  await expect(once).toContainText("you will not see it again");
  const secret = (await once.getByTestId("secret-once").textContent())!.trim();
  expect(secret.length).toBeGreaterThan(20);
  await expect(once.getByRole("button", { name: "Copy" })).toBeVisible();
  await page.screenshot({ path: shot("token-once-light") });

  // The token works as a bearer token.
  const api = await playwright.request.newContext({ baseURL: process.env.CRONIUM_E2E_URL });
  const me = await api.get("/api/v1/auth/me", { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).scope).toBe("write");

  await once.getByRole("button", { name: "Done" }).click();
  await expect(once).toBeHidden();
  // Never again on the page.
  await expect(page.getByText(secret)).toHaveCount(0);
  const item = page.getByRole("list", { name: "API tokens" }).getByRole("listitem").filter({ hasText: name });
  await expect(item).toContainText("Active");
  await expect(item).toContainText("write");
  await expect(item).toContainText("Last used");

  await item.getByRole("button", { name: `Revoke ${name}` }).click();
  const confirm = page.getByRole("alertdialog", { name: `Revoke “${name}”?` });
  await expect(confirm).toContainText(name);
  await confirm.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByText(`Revoked “${name}”`)).toBeVisible();
  await expect(item).toContainText("Revoked");
  await expect(item.getByRole("button", { name: `Revoke ${name}` })).toHaveCount(0);
  await expect
    .poll(async () => (await api.get("/api/v1/auth/me", { headers: { Authorization: `Bearer ${secret}` } })).status())
    .toBe(401);
  await api.dispose();
});

test("password and profile: a separate user changes them, errors show next to the field", async ({ browser, playwright }) => {
  const username = uniqueName("e2e-pw");
  const admin = await adminRequest(playwright);
  await createUser(admin, { username, role: "USER" });
  await admin.dispose();

  const context = await contextAs(browser, username);
  const page = await context.newPage();
  await page.goto("/settings/profile");
  await page.getByLabel("Display name").fill("Pat Example");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Enter an email address")).toBeVisible();
  await page.getByLabel("Email").fill(`${username}@example.org`);
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Profile saved")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Account:/ })).toContainText("Pat Example");

  await page.getByRole("tab", { name: "Password" }).click();
  await expect(page).toHaveURL(/\/settings\/password$/);
  const current = page.getByLabel("Current password");
  const next = page.getByLabel("New password", { exact: true });
  const repeat = page.getByLabel("Repeat new password");
  await current.fill("wrong-password-123");
  await next.fill("short");
  await repeat.fill("short");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("At least 12 characters.", { exact: true })).toBeVisible();
  await expect(next).toHaveAttribute("aria-invalid", "true");

  const replacement = "a-new-long-passphrase-42";
  await next.fill(replacement);
  await repeat.fill(`${replacement}x`);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("The two new passwords differ.")).toBeVisible();

  // The server's answer lands next to the field it is about.
  await repeat.fill(replacement);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("the current password is wrong")).toBeVisible();
  await expect(current).toHaveAttribute("aria-invalid", "true");

  await current.fill(TEST_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
  await expect(current).toHaveValue("");
  // This session lives on; the new password signs in.
  expect((await page.request.get("/api/v1/auth/me")).status()).toBe(200);
  const fresh = await playwright.request.newContext({ baseURL: process.env.CRONIUM_E2E_URL });
  const login = await fresh.post("/api/v1/auth/login", { data: { username, password: replacement } });
  expect(login.status()).toBe(200);
  await fresh.dispose();
  await context.close();
});

test("appearance: theme and how times show are kept in this browser", async ({ page }) => {
  await page.goto("/settings/appearance");
  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.getByRole("radio", { name: "UTC" }).check();
  expect(await page.evaluate(() => localStorage.getItem("cronium.timeDisplay"))).toBe("utc");
  await page.screenshot({ path: shot("settings-appearance-dark"), fullPage: true });

  // Absolute times elsewhere follow the choice and name their zone.
  await page.goto("/settings/profile");
  await expect(page.locator("dd time").first()).toContainText("UTC");
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.goto("/settings/appearance");
  await expect(page.getByRole("radio", { name: "UTC" })).toBeChecked();
  await page.getByRole("radio", { name: "Your local time" }).check();
  await page.getByRole("radio", { name: "Light" }).check();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
});
