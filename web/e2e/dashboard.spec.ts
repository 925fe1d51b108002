import { createEvent, csrfToken, expect, test } from "./fixtures";

test("the dashboard shows tiles, running runs with cancel, failures and the system", async ({ page, request }) => {
  const sleeper = await createEvent(request, {
    name: `e2e-sleeper-${Date.now()}`,
    type: "BASH",
    content: "sleep 60",
    status: "ACTIVE",
    timeoutSeconds: 120,
  });
  const token = await csrfToken(request);
  const run = await request.post(`/api/v1/events/${sleeper.id}/run`, { headers: { "X-CSRF-Token": token }, data: {} });
  expect(run.status()).toBe(202);
  const { executionId } = await run.json();
  await expect
    .poll(async () => (await (await request.get(`/api/v1/executions/${executionId}`)).json()).status, { timeout: 15_000 })
    .toBe("RUNNING");

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  for (const tile of ["Active events", "Paused events", "Running now", "Succeeded · 24 h", "Failed · 24 h"]) {
    await expect(page.getByText(tile, { exact: true }).first()).toBeVisible();
  }
  const running = page.getByRole("region", { name: "Running now" });
  await expect(running.getByText(sleeper.name)).toBeVisible();
  await expect(page.getByRole("region", { name: "System" })).toContainText("Version");

  await running.getByRole("button", { name: `Cancel ${sleeper.name} run ${executionId}` }).click();
  const dialog = page.getByRole("alertdialog", { name: "Cancel this run?" });
  await expect(dialog).toContainText(sleeper.name);
  await dialog.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByText("Cancel requested")).toBeVisible();
  await expect
    .poll(async () => (await (await request.get(`/api/v1/executions/${executionId}`)).json()).status, { timeout: 15_000 })
    .toBe("CANCELLED");
  await expect(running.getByText(sleeper.name)).toHaveCount(0, { timeout: 10_000 });
});

test("an unknown path shows the not-found page inside the shell", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("the theme choice persists across reloads", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: /^Theme:/ }).click();
  await page.getByRole("menuitemradio", { name: "Dark" }).click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.getByRole("button", { name: "Theme: Dark" }).click();
  await page.getByRole("menuitemradio", { name: "Light" }).click();
  await expect(page.locator("html")).not.toHaveClass(/dark/);
});
