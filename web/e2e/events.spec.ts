import { createEvent, expect, test } from "./fixtures";

test("the events list shows an event created through the API, filters in the URL, runs and pauses it", async ({
  page,
  request,
}) => {
  const name = `e2e-backup-${Date.now()}`;
  await createEvent(request, {
    name,
    type: "BASH",
    content: "echo hello",
    status: "ACTIVE",
    description: "created by the browser tests",
    tags: ["e2e"],
    schedule: { kind: "CRON", cron: "30 3 * * *", timezone: "Europe/Berlin" },
  });

  await page.goto("/events");
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Bash");
  await expect(row).toContainText("Active");
  await expect(row).toContainText("30 3 * * *");
  await expect(row).toContainText("Europe/Berlin");

  await page.getByLabel("Search events by name or description").fill(name);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${name}`));
  await page.getByLabel("Status").selectOption("PAUSED");
  await expect(page).toHaveURL(/status=PAUSED/);
  await expect(page.getByText("No events match these filters")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("PAUSED");
  await page.getByLabel("Status").selectOption("ACTIVE");
  await expect(row).toBeVisible();

  await row.getByRole("button", { name: `Run ${name} now` }).click();
  await expect(page.getByText(`Started "${name}"`)).toBeVisible();

  await row.getByRole("button", { name: `Pause ${name}` }).click();
  await expect(page.getByText(`Paused "${name}"`)).toBeVisible();
  // The filter says ACTIVE, so the paused event leaves the list.
  await expect(row).toHaveCount(0);
  await page.getByLabel("Status").selectOption("PAUSED");
  await expect(row).toContainText("Paused");
  await row.getByRole("button", { name: `Resume ${name}` }).click();
  await expect(page.getByText(`Resumed "${name}"`)).toBeVisible();
});
