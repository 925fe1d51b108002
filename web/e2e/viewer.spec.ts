import { adminRequest, contextAs, createUser, uniqueName } from "./accounts";
import { createEvent, csrfToken, expect, test } from "./fixtures";

test("a viewer sees no edit buttons, no Admin, and the API refuses their writes", async ({ browser, playwright }) => {
  const username = uniqueName("e2e-viewer");
  const admin = await adminRequest(playwright);
  await createUser(admin, { username, role: "VIEWER" });
  const eventName = uniqueName("e2e-shared");
  const event = await createEvent(admin, {
    name: eventName,
    type: "BASH",
    content: "echo shared",
    status: "ACTIVE",
    shared: true,
    schedule: { kind: "CRON", cron: "0 4 * * *" },
  });
  await admin.dispose();

  const context = await contextAs(browser, username);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/variables");
  await expect(page.getByRole("heading", { name: "Variables" })).toBeVisible();
  await expect(page.getByText("your role cannot change them")).toBeVisible();
  await expect(page.getByRole("button", { name: "New variable" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^(Edit|Delete) / })).toHaveCount(0);

  await page.goto("/events");
  const row = page.getByRole("row").filter({ hasText: eventName });
  await expect(row).toBeVisible();
  await expect(row.getByRole("button")).toHaveCount(0);

  // No Admin in the navigation; the page itself says 403.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" })).toHaveCount(0);
  await page.goto("/admin/users");
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();

  // The API refuses anyway.
  const headers = { "X-CSRF-Token": await csrfToken(context.request) };
  const put = await context.request.put("/api/v1/variables/VIEWER_TRY", { headers, data: { value: 1 } });
  expect(put.status()).toBe(403);
  const run = await context.request.post(`/api/v1/events/${event.id}/run`, { headers, data: {} });
  expect(run.status()).toBe(403);
  expect((await context.request.get("/api/v1/users")).status()).toBe(403);
  expect(errors).toEqual([]);
  await context.close();
});
