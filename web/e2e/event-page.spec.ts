// The event page (/events/:id) against the real server: Run now with a JSON input, pause and
// resume, a schedule's ledger, webhooks whose shown URL and curl line really start runs, delete,
// what viewers and non-owners see, axe in light and dark, screenshots (light, dark, 360 px).
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { buildCurlCommand, SECRET_VARIABLE, signedHeaders } from "../src/pages/event/webhook-signing";
import { adminRequest, contextAs, createUser, uniqueName } from "./accounts";
import { createEvent, csrfToken, expect, SCREENSHOTS, seriousA11yViolations, setTheme, test } from "./fixtures";

mkdirSync(SCREENSHOTS, { recursive: true });
// Times in the browser's zone read "UTC" whatever the host's zone is.
test.use({ timezoneId: "UTC" });
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);
/** <main> scrolls, not the page: a screenshot in a tall window shows all of it. */
async function tallShot(page: Page, name: string, height = 1500) {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: size.width, height });
  await page.screenshot({ path: shot(name) });
  await page.setViewportSize(size);
}
const noHorizontalOverflow = (page: Page) =>
  page.evaluate(() =>
    [document.documentElement, document.getElementById("main")!].every((el) => el.scrollWidth <= el.clientWidth),
  );

async function runNowByApi(request: APIRequestContext, eventId: string, input?: unknown) {
  const response = await request.post(`/api/v1/events/${eventId}/run`, {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: input === undefined ? {} : { input },
  });
  expect(response.status(), await response.text()).toBe(202);
  return (await response.json()).executionId as string;
}

/** A context as another user, with the first-login password prompt put off. */
async function signedInAs(browser: import("@playwright/test").Browser, username: string): Promise<BrowserContext> {
  const context = await contextAs(browser, username);
  await context.addInitScript(() => window.localStorage.setItem("cronium.passwordPrompt", "later"));
  return context;
}

test("header, Run now with a JSON input reaches the run page, pause and resume", async ({ page, request }) => {
  test.setTimeout(60_000);
  const name = uniqueName("e2e-event-page");
  const event = await createEvent(request, {
    name,
    type: "BASH",
    content: "echo from the event page",
    status: "ACTIVE",
    description: "Nightly report for the event page test",
    tags: ["e2e", "report"],
    schedule: { kind: "CRON", cron: "30 3 * * *", timezone: "Europe/Berlin" },
  });

  await page.goto("/events");
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/events/${event.id}$`));
  const header = page.locator("header").filter({ has: page.getByRole("heading", { level: 1, name }) });
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(header).toContainText("Active");
  await expect(header).toContainText("Bash");
  await expect(header).toContainText("At 03:30");
  await expect(header).toContainText("30 3 * * *");
  await expect(header).toContainText("Europe/Berlin");
  await expect(header).toContainText("Next run");
  await expect(header.getByRole("list", { name: "Tags" })).toContainText("report");
  await expect(header.getByRole("link", { name: "Edit" })).toHaveAttribute("href", `/events/${event.id}/edit`);
  // The next runs come from the server's preview of this schedule, with their zone.
  const nextRuns = page.getByRole("region", { name: "Next runs" });
  await expect(nextRuns.getByRole("listitem")).toHaveCount(5);
  await expect(page.getByRole("region", { name: "About" })).toContainText("Nightly report for the event page test");
  await expect(page.getByRole("region", { name: "Last 50 runs" })).toContainText("No runs yet");

  // Duplicate is a link to the editor with ?from=.
  await header.getByRole("button", { name: "More actions" }).click();
  await expect(page.getByRole("menuitem", { name: "Duplicate" })).toHaveAttribute("href", `/events/new?from=${event.id}`);
  await page.keyboard.press("Escape");

  // Run now: the input is checked as JSON before anything is sent.
  await header.getByRole("button", { name: "Run now" }).click();
  const dialog = page.getByRole("dialog", { name: `Run "${name}" now` });
  const input = dialog.getByLabel("Input (JSON, optional)");
  await input.fill("{date: 2026}");
  await dialog.getByRole("button", { name: "Run now" }).click();
  await expect(dialog.getByText(/^Not valid JSON: .*line 1, column 2/)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/events/${event.id}$`));
  await input.fill('{"date": "2026-01-31", "rows": [1, 2]}');
  await input.press("Control+Enter");
  await expect(page).toHaveURL(/\/runs\/exe_[\w]+$/);
  await expect(page.getByText(`Started "${name}"`)).toBeVisible();
  await expect(page.getByRole("button", { name: "View run" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const inputCard = page.getByRole("region", { name: "Input" });
  await expect(inputCard).toContainText('"date": "2026-01-31"');
  await expect(inputCard).toContainText('"rows"');
  // The run page links back to the event's page.
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/events/${event.id}$`));

  // Pause and resume, each with a toast; the status changes in the header.
  await header.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByText(`Paused "${name}"`)).toBeVisible();
  await expect(header).toContainText("Paused");
  await expect(header).toContainText("on hold");
  await header.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByText(`Resumed "${name}"`)).toBeVisible();
  await expect(header).toContainText("Active");
  await expect(header.getByRole("button", { name: "Pause" })).toBeVisible();

  // The run shows on the overview and on the Runs tab (tab in the URL, filter too).
  await expect(page.getByText(/^1 run shown · all time: 1 succeeded/)).toBeVisible();
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page).toHaveURL(/[?&]tab=runs/);
  await expect(page.getByRole("link", { name: /^Run exe_\w+ of / })).toHaveCount(1);
  await page.getByLabel("Status").selectOption("FAILED");
  await expect(page).toHaveURL(/status=FAILED/);
  await expect(page.getByText("No runs match this status")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("tab", { name: "Runs", selected: true })).toBeVisible();
  await expect(page.getByLabel("Status")).toHaveValue("FAILED");

  // Admins see the event's audit trail: created, then the pause and the resume.
  await page.getByRole("tab", { name: "Audit" }).click();
  const audit = page.getByRole("list", { name: "Audit entries, newest first" });
  await expect(audit).toContainText("event.create");
  await expect(audit).toContainText("status paused");
  await expect(audit).toContainText("status active");
});

test("the ledger shows the occurrences of a schedule that fired, with their runs; delete with confirmation", async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  const name = uniqueName("e2e-ticker");
  const event = await createEvent(request, {
    name,
    type: "BASH",
    content: "echo tick",
    status: "ACTIVE",
    schedule: { kind: "INTERVAL", intervalSeconds: 1 },
  });
  try {
    await page.goto(`/events/${event.id}?tab=ledger`);
    await expect(page.getByRole("tab", { name: "Ledger", selected: true })).toBeVisible();
    await expect(page.getByRole("heading", { level: 1, name })).toContainText(name);
    const table = page.getByRole("table", { name: "Ledger of the schedule, newest first" });
    // Wait on the page itself: Refresh until the schedule's first occurrences are listed.
    await expect(async () => {
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect(table.getByRole("row").filter({ hasText: "Fired" }).nth(1)).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    const row = table.getByRole("row").filter({ hasText: "Fired" }).first();
    await tallShot(page, "event-ledger-rows-light", 1100);
    await expect(row.getByRole("link", { name: /^Run exe_/ })).toBeVisible();
    // Every time names its zone (the browser's here: UTC).
    await expect(row.locator("time").first()).toHaveText(/UTC/);
    await expect(row).toContainText(/on time|\+\d/);
    // The fates are explained.
    const legend = page.locator("details", { hasText: "What each fate means" });
    await legend.getByText("What each fate means").click();
    await expect(legend.getByText("Not run: the previous run was still active")).toBeVisible();

    // The overview has figures and a chart of these runs.
    await page.getByRole("tab", { name: "Overview" }).click();
    await expect(page).not.toHaveURL(/tab=/);
    const recent = page.getByRole("region", { name: "Last 50 runs" });
    await expect(recent.getByRole("img", { name: /^Durations of the last \d+ runs, oldest to newest/ })).toBeVisible();
    await expect(recent).toContainText("Success rate");
    await expect(recent).toContainText("p95 duration");

    // A run of the ledger opens the run page.
    await page.getByRole("tab", { name: "Ledger" }).click();
    await table.getByRole("link", { name: /^Run exe_/ }).first().click();
    await expect(page).toHaveURL(/\/runs\/exe_\w+$/);
    await page.goBack();

    // Delete: the confirmation names the event; then the list, with a toast.
    await page.getByRole("button", { name: "More actions" }).click();
    await page.getByRole("menuitem", { name: "Delete…" }).click();
    const confirm = page.getByRole("alertdialog", { name: `Delete "${name}"?` });
    await expect(confirm).toContainText(name);
    await expect(confirm).toContainText(event.id);
    await confirm.getByRole("button", { name: "Keep it" }).click();
    await expect(confirm).toBeHidden();
    await page.getByRole("button", { name: "More actions" }).click();
    await page.getByRole("menuitem", { name: "Delete…" }).click();
    await confirm.getByRole("button", { name: "Delete event" }).click();
    await expect(page).toHaveURL(/\/events$/);
    await expect(page.getByText(`Deleted "${name}"`)).toBeVisible();
    await expect(page.getByRole("link", { name, exact: true })).toHaveCount(0);

    // Its page is gone: a 404 state, not an error (in another tab: the browser logs the 404).
    const other = await page.context().newPage();
    await other.goto(`/events/${event.id}`);
    await expect(other.getByText("Event not found")).toBeVisible();
    await expect(other.getByRole("link", { name: "All events" })).toBeVisible();
    await other.close();
  } finally {
    // Stop the ticking if the test failed before deleting it.
    await request.delete(`/api/v1/events/${event.id}`, { headers: { "X-CSRF-Token": await csrfToken(request) } });
  }
});

test("webhooks: create, the shown URL and curl line start runs when signed, delete with confirmation", async ({
  page,
  request,
}) => {
  test.setTimeout(60_000);
  const name = uniqueName("e2e-hooked");
  const event = await createEvent(request, { name, type: "BASH", content: "echo hooked", status: "ACTIVE" });

  await page.goto(`/events/${event.id}`);
  await page.getByRole("tab", { name: "Webhooks" }).click();
  await expect(page).toHaveURL(/[?&]tab=webhooks/);
  await expect(page.getByText("No webhooks")).toBeVisible();
  await page.getByRole("button", { name: "New webhook" }).click();

  const dialog = page.getByRole("dialog", { name: "Webhook created" });
  await expect(dialog).toContainText("you will not see it again");
  const secret = (await dialog.getByTestId("secret-once").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  const url = (await dialog.getByTestId("webhook-created-url").textContent())!.trim();
  expect(url).toMatch(new RegExp(`^${process.env.CRONIUM_E2E_URL}/api/v1/hooks/[\\w-]+$`));
  const curl = (await dialog.getByTestId("webhook-created-curl").textContent())!;
  // The curl line names the URL and reads the secret from a variable; it never holds it.
  expect(curl).toContain(url);
  expect(curl).toContain(`$${SECRET_VARIABLE}`);
  expect(curl).not.toContain(secret);
  expect(curl).toBe(buildCurlCommand({ url, body: '{"hello":"world"}' }));

  // The shown curl line, as a person would paste it, with the secret in the variable.
  const answer = JSON.parse(
    execFileSync("bash", ["-c", curl], { env: { ...process.env, [SECRET_VARIABLE]: secret }, encoding: "utf8" }),
  );
  expect(answer.targetType).toBe("EVENT");
  expect(answer.executionId).toMatch(/^exe_/);

  // And signed the same way by the test itself.
  const body = JSON.stringify({ order: { id: 7 }, from: "playwright" });
  const delivery = await request.post(url, { headers: await signedHeaders(secret, body), data: body });
  expect(delivery.status(), await delivery.text()).toBe(202);
  const started = (await delivery.json()).executionId as string;
  // A wrong signature starts nothing.
  const forged = await request.post(url, { headers: await signedHeaders(`${secret}x`, body), data: body });
  expect(forged.status()).toBe(401);

  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  // The secret is nowhere on the page any more; the URL is listed.
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(page.getByTestId("webhook-url")).toHaveText(url);
  const sendCurl = await page.getByTestId("webhook-curl").textContent();
  expect(sendCurl).toContain(url);
  expect(sendCurl).not.toContain(secret);

  // The delivered run: trigger Webhook, the body as input.
  await page.goto(`/runs/${started}`);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByText("Webhook", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Input" })).toContainText('"from": "playwright"');
  await page.goBack();

  // Delete with a confirmation naming the webhook; deliveries are refused after.
  const webhookId = (await page.getByRole("list", { name: "Webhooks" }).getByText(/^whk_/).textContent())!.trim();
  await page.getByRole("button", { name: `Delete webhook ${webhookId}` }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete this webhook?" });
  await expect(confirm).toContainText(webhookId);
  await expect(confirm).toContainText(name);
  await confirm.getByRole("button", { name: "Delete webhook" }).click();
  await expect(page.getByText("Webhook deleted")).toBeVisible();
  await expect(page.getByText("No webhooks")).toBeVisible();
  const late = await request.post(url, { headers: await signedHeaders(secret, body), data: body });
  expect(late.status()).toBe(404);
});

test("a viewer sees no action buttons; a non-owner may run a shared event but not change it", async ({
  browser,
  playwright,
}) => {
  test.setTimeout(60_000);
  const admin = await adminRequest(playwright);
  const viewer = uniqueName("e2e-ev-viewer");
  const user = uniqueName("e2e-ev-user");
  await createUser(admin, { username: viewer, role: "VIEWER" });
  await createUser(admin, { username: user, role: "USER" });
  const name = uniqueName("e2e-shared-event");
  const event = await createEvent(admin, {
    name,
    type: "BASH",
    content: "echo shared",
    status: "ACTIVE",
    shared: true,
    schedule: { kind: "CRON", cron: "0 4 * * *" },
  });
  await runNowByApi(admin, event.id);
  await admin.dispose();

  const asViewer = await signedInAs(browser, viewer);
  const page = await asViewer.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`/events/${event.id}`);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Overview" })).toBeVisible();
  const header = page.locator("header").filter({ has: page.getByRole("heading", { level: 1, name }) });
  await expect(header.getByRole("button")).toHaveCount(0);
  await expect(header.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: "Webhooks" })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: "Audit" })).toHaveCount(0);
  // Their runs list has no Cancel either; ?tab=webhooks falls back to the overview.
  await page.goto(`/events/${event.id}?tab=webhooks`);
  await expect(page.getByRole("tab", { name: "Overview", selected: true })).toBeVisible();
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByRole("link", { name: /^Run exe_\w+ of / })).toHaveCount(1);
  await expect(page.getByRole("main").getByRole("button", { name: /^Cancel / })).toHaveCount(0);
  expect(errors).toEqual([]);
  await asViewer.close();

  // Another user: Run now and Duplicate, but no Edit, Pause or Delete (the server would say 403).
  const asUser = await signedInAs(browser, user);
  const userPage = await asUser.newPage();
  await userPage.goto(`/events/${event.id}`);
  const userHeader = userPage.locator("header").filter({ has: userPage.getByRole("heading", { level: 1, name }) });
  await expect(userHeader.getByRole("button", { name: "Run now" })).toBeVisible();
  // Ownership is known once the server has answered the webhooks list (403 to non-owners).
  await expect(userPage.getByRole("tab", { name: "Ledger" })).toBeVisible();
  await expect(userHeader.getByRole("button", { name: "More actions" })).toBeVisible();
  await expect(userHeader.getByRole("link", { name: "Edit" })).toHaveCount(0);
  await expect(userHeader.getByRole("button", { name: /^(Pause|Resume)$/ })).toHaveCount(0);
  await expect(userPage.getByRole("tab", { name: "Webhooks" })).toHaveCount(0);
  await userHeader.getByRole("button", { name: "More actions" }).click();
  await expect(userPage.getByRole("menuitem", { name: "Duplicate" })).toBeVisible();
  await expect(userPage.getByRole("menuitem", { name: "Delete…" })).toHaveCount(0);
  await userPage.keyboard.press("Escape");
  await asUser.close();
});

test.describe("looks", () => {
  let eventId = "";
  let eventName = "";
  test.beforeAll(async ({ playwright }) => {
    // An event with a few runs of each kind, so the figures and the chart have something to show.
    const request = await adminRequest(playwright);
    eventName = uniqueName("e2e-nightly-export");
    const event = await createEvent(request, {
      name: eventName,
      type: "BASH",
      content: 'sleep "0.$((RANDOM % 6))"; [ -z "$FAIL" ] && [ $((RANDOM % 4)) -ne 0 ]',
      status: "ACTIVE",
      description: "Exports last night's orders to the warehouse.",
      tags: ["export", "nightly"],
      schedule: { kind: "CRON", cron: "15 2 * * 1-5", timezone: "America/New_York" },
    });
    eventId = event.id;
    for (let i = 0; i < 8; ++i) await runNowByApi(request, eventId, { batch: i });
    // Wait until every run has ended (through the API; the pages then show them as they are).
    await expect
      .poll(
        async () => {
          const page = await (await request.get(`/api/v1/events/${eventId}/executions?view=summary&status=QUEUED,RUNNING`)).json();
          return page.items.length;
        },
        { timeout: 30_000 },
      )
      .toBe(0);
    await request.dispose();
  });

  for (const theme of ["light", "dark"] as const) {
    test(`overview, ledger and webhooks (${theme}): a11y and screenshots`, async ({ page }) => {
      test.setTimeout(60_000);
      await page.goto(`/events/${eventId}`);
      await setTheme(page, theme);
      await page.reload();
      await expect(page.getByRole("heading", { level: 1, name: eventName })).toBeVisible();
      const recent = page.getByRole("region", { name: "Last 50 runs" });
      await expect(page.getByText(/^8 runs shown/)).toBeVisible();
      await expect(recent).toContainText("0 running or queued");
      await expect(page.getByRole("region", { name: "Next runs" }).getByRole("listitem")).toHaveCount(5);
      await tallShot(page, `event-overview-${theme}`);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("tab", { name: "Runs" }).click();
      await expect(page.getByRole("link", { name: /^Run exe_\w+ of / })).toHaveCount(8);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("tab", { name: "Ledger" }).click();
      await expect(page.getByText("The ledger is empty")).toBeVisible();
      await page.getByText("What each fate means").click();
      await tallShot(page, `event-ledger-${theme}`, 1100);
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("tab", { name: "Webhooks" }).click();
      await expect(page.getByRole("button", { name: "New webhook" })).toBeVisible();
      expect(await seriousA11yViolations(page)).toEqual([]);

      await page.getByRole("tab", { name: "Audit" }).click();
      await expect(page.getByRole("list", { name: "Audit entries, newest first" })).toContainText("event.create");
      expect(await seriousA11yViolations(page)).toEqual([]);

      // The dialogs too.
      await page.getByRole("tab", { name: "Overview" }).click();
      await page.getByRole("button", { name: "Run now" }).click();
      await expect(page.getByRole("dialog", { name: `Run "${eventName}" now` })).toBeVisible();
      await page.screenshot({ path: shot(`event-run-dialog-${theme}`) });
      expect(await seriousA11yViolations(page)).toEqual([]);
    });
  }

  test("360 px: no sideways scrolling, tabs and cards", async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`/events/${eventId}`);
    await expect(page.getByRole("heading", { level: 1, name: eventName })).toBeVisible();
    await expect(page.getByText(/^8 runs shown/)).toBeVisible();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await tallShot(page, "event-360", 2000);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole("tab", { name: "Runs" }).click();
    await expect(page.getByRole("main").getByRole("listitem").filter({ hasText: /exe_/ })).toHaveCount(8);
    expect(await noHorizontalOverflow(page)).toBe(true);
    await tallShot(page, "event-runs-360", 1600);

    await page.getByRole("tab", { name: "Webhooks" }).click();
    await page.getByRole("button", { name: "New webhook" }).click();
    await expect(page.getByRole("dialog", { name: "Webhook created" })).toBeVisible();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await page.screenshot({ path: shot("event-webhook-created-360") });
    await page.getByRole("dialog", { name: "Webhook created" }).getByRole("button", { name: "Done" }).click();
    expect(await noHorizontalOverflow(page)).toBe(true);
    await tallShot(page, "event-webhooks-360", 1400);
  });
});
