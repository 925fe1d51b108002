import path from "node:path";
import { adminRequest, uniqueName } from "./accounts";
import { csrfToken, expect, SCREENSHOTS, test } from "./fixtures";

const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);

test("users: invite with a role, accept the link, change the role, disable, enable, delete", async ({ page, browser }) => {
  const email = `${uniqueName("e2e-invite")}@example.test`;
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/users$/);
  await page.getByRole("button", { name: "Invite user" }).click();
  const dialog = page.getByRole("dialog", { name: "Invite a user" });
  await dialog.getByLabel("Email").fill(email);
  await dialog.getByLabel("Role").selectOption("VIEWER");
  await dialog.getByRole("button", { name: "Create invitation" }).click();

  const once = page.getByRole("dialog", { name: `Invitation for ${email}` });
  await expect(once).toContainText("you will not see it again");
  const link = (await once.getByTestId("secret-once").textContent())!.trim();
  expect(link).toMatch(/\/invite\/.+/);
  await expect(once).toContainText("viewer");
  await page.screenshot({ path: shot("admin-invite-once-light") });
  await once.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("list", { name: "Users" }).getByRole("listitem").filter({ hasText: email });
  await expect(row).toContainText("Invited");
  await expect(row.getByLabel(`Role of ${email}`)).toHaveValue("VIEWER");

  // The invited person opens the link (signed out) and picks a username and password.
  const username = uniqueName("e2e-joined");
  const guest = await browser.newContext({ baseURL: process.env.CRONIUM_E2E_URL, storageState: { cookies: [], origins: [] } });
  const guestPage = await guest.newPage();
  await guestPage.goto(link);
  await guestPage.getByLabel("Username").fill(username);
  await guestPage.getByLabel("Password", { exact: true }).fill("joined-password-123");
  await guestPage.getByLabel("Repeat password").fill("joined-password-123");
  await guestPage.getByRole("button", { name: "Create account" }).click();
  await expect(guestPage.getByRole("heading", { name: "Your account is ready" })).toBeVisible();
  await guest.close();

  await page.reload();
  const user = page.getByTestId(`user-${username}`);
  await expect(user).toContainText("Active");
  await user.getByLabel(`Role of ${username}`).selectOption("USER");
  await expect(page.getByText(`${username} is now user`)).toBeVisible();
  await expect(user.getByLabel(`Role of ${username}`)).toHaveValue("USER");

  await user.getByRole("button", { name: `Disable ${username}` }).click();
  const disable = page.getByRole("alertdialog", { name: `Disable ${username}?` });
  await expect(disable).toContainText(username);
  await disable.getByRole("button", { name: `Disable ${username}` }).click();
  await expect(user).toContainText("Disabled");
  await user.getByRole("button", { name: `Enable ${username}` }).click();
  await expect(user).toContainText("Active");

  await user.getByRole("button", { name: `Delete ${username}` }).click();
  const del = page.getByRole("alertdialog", { name: `Delete ${username}?` });
  await del.getByRole("button", { name: `Delete ${username}` }).click();
  await expect(page.getByText(`Deleted ${username}`)).toBeVisible();
  await expect(user).toHaveCount(0);
});

test("users: the server refuses to demote the last admin, and says so in place", async ({ context }) => {
  // Its own page: the browser logs the 409 as a console error, which the shared guard refuses.
  const page = await context.newPage();
  await page.goto("/admin/users");
  const self = page.getByTestId("user-admin");
  await self.getByLabel("Role of admin").selectOption("USER");
  await expect(self.getByRole("alert")).toContainText("last active admin");
  await expect(self.getByLabel("Role of admin")).toHaveValue("ADMIN");
});

test("audit log: lists what was done, filters in the URL", async ({ page, playwright }) => {
  const key = `E2E_AUDIT_${Date.now().toString(36).toUpperCase()}`;
  const admin = await adminRequest(playwright);
  const headers = { "X-CSRF-Token": await csrfToken(admin) };
  expect((await admin.put(`/api/v1/variables/${key}`, { headers, data: { value: 1 } })).status()).toBe(201);
  expect((await admin.delete(`/api/v1/variables/${key}`, { headers })).status()).toBe(204);
  const token = await (await admin.post("/api/v1/tokens", { headers, data: { name: "e2e-audit", scope: "read" } })).json();
  expect((await admin.delete(`/api/v1/tokens/${token.id}`, { headers })).status()).toBe(204);
  await admin.dispose();

  await page.goto("/admin/audit");
  const table = page.getByRole("table", { name: /Audit log/ });
  await expect(table).toContainText("variable.set");
  await expect(table).toContainText("token.revoke");
  await expect(table).toContainText("UTC"); // a zone on every absolute time (or the local one)

  await page.getByLabel("Action").selectOption("variable.delete");
  await expect(page).toHaveURL(/action=variable\.delete/);
  await expect(table.getByRole("row").filter({ hasText: key })).toHaveCount(1);
  await expect(table).not.toContainText("token.revoke");

  await page.getByLabel("Target id").fill(key);
  await expect(page).toHaveURL(new RegExp(`targetId=${key}`));
  await page.reload();
  await expect(page.getByLabel("Action")).toHaveValue("variable.delete");
  await expect(page.getByLabel("Target id")).toHaveValue(key);
  await expect(table.getByRole("row")).toHaveCount(2); // header + one entry

  // Clicking an action filters by it.
  await page.getByRole("button", { name: "Clear" }).click();
  await table.getByRole("button", { name: "Show only token.create" }).first().click();
  await expect(page).toHaveURL(/action=token\.create/);
  await expect(table.getByRole("row").filter({ hasText: "e2e-audit" }).first()).toBeVisible();
  // Users tab actions are there too.
  await page.getByLabel("Action").selectOption("user.invite");
  await expect(table.getByRole("row").nth(1)).toContainText("user.invite");
});

test("system: version, isolation, this node with its heartbeat, drain and resume, key rotation", async ({ page }) => {
  await page.goto("/admin/system");
  // The first load can be slow on a busy 2-core machine.
  await expect(page.getByText("Version", { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("Isolation", { exact: true })).toBeVisible();
  const nodes = page.getByRole("list", { name: "Nodes" });
  const self = nodes.getByRole("listitem").filter({ hasText: "this node" });
  await expect(self).toContainText("Alive");
  await expect(self).toContainText(/\d+(ms|s|m \d+s) ago/);
  await expect(page.getByText("Taking jobs", { exact: true })).toBeVisible();

  await page.getByLabel("Grace (seconds)").fill("abc");
  await page.getByRole("button", { name: "Drain…" }).click();
  await expect(page.getByText("Whole seconds from 0 to 86400.")).toBeVisible();
  await page.getByLabel("Grace (seconds)").fill("5");
  await page.getByRole("button", { name: "Drain…" }).click();
  const confirm = page.getByRole("alertdialog", { name: /^Drain / });
  await expect(confirm).toContainText("stops taking new jobs");
  await confirm.getByRole("button", { name: "Drain node" }).click();
  await expect(page.getByText(/is draining\./)).toBeVisible();
  await page.screenshot({ path: shot("admin-system-draining-light"), fullPage: true });
  await page.getByRole("button", { name: "Resume taking jobs" }).click();
  await expect(page.getByText("Taking jobs", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Rotate master key…" }).click();
  const rotate = page.getByRole("alertdialog", { name: "Rotate the master key?" });
  await expect(rotate).toContainText("re-encrypts every event's secret environment variables");
  await rotate.getByRole("button", { name: "Rotate master key" }).click();
  await expect(page.getByText("Master key rotated")).toBeVisible({ timeout: 15_000 });
});
