// The event editor against the real server: an event made in the browser (script in
// CodeMirror, schedule from the builder, whose preview is the server's), errors from the API next
// to their fields, save-and-run to a live log, masked env values kept, duplicates, the
// unsaved-changes guard, keyboard shortcuts, a viewer's read-only view, axe and screenshots.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { contextAs, createUser, uniqueName } from "./accounts";
import { createEvent, csrfToken, expect, SCREENSHOTS, seriousA11yViolations, setTheme, test } from "./fixtures";

mkdirSync(SCREENSHOTS, { recursive: true });
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);

/** The whole page: <main> scrolls, so the window grows to its height first. */
async function fullShot(page: Page, name: string) {
  const size = page.viewportSize()!;
  const height = await page.evaluate(() => document.getElementById("main")!.scrollHeight + 60);
  await page.setViewportSize({ width: size.width, height: Math.min(height, 6000) });
  await page.screenshot({ path: shot(name) });
  await page.setViewportSize(size);
}

/** Replaces the script in the CodeMirror editor by typing (as a person would, completions off by Escape). */
async function typeScript(page: Page, text: string) {
  const editor = page.getByRole("textbox", { name: "Script", exact: true });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  for (const line of text.split("\n")) {
    await page.keyboard.insertText(line);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Enter");
  }
}

async function eventByName(request: import("@playwright/test").APIRequestContext, name: string) {
  const list = await (await request.get(`/api/v1/events?search=${encodeURIComponent(name)}`)).json();
  const found = (list.items as { id: string; name: string }[]).find((e) => e.name === name);
  expect(found, `event ${name}`).toBeTruthy();
  return (await (await request.get(`/api/v1/events/${found!.id}`)).json()) as Record<string, any>;
}

test("create an event in the editor: script, cron schedule with the server's preview, saved as typed", async ({ page, request }) => {
  const name = uniqueName("e2e-editor-cron");
  await page.goto("/events");
  await page.getByRole("link", { name: "New event" }).click();
  await expect(page).toHaveURL(/\/events\/new$/);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Type").selectOption("PYTHON");
  // The starter script follows the type until it is edited.
  await expect(page.getByRole("textbox", { name: "Script", exact: true })).toContainText("import cronium");

  // The helpers complete: typing "cronium.set_v" offers set_variable, Enter inserts the snippet.
  const editor = page.getByRole("textbox", { name: "Script", exact: true });
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("cronium.set_v");
  const option = page.getByRole("option", { name: /cronium\.set_variable/ });
  await expect(option).toBeVisible();
  await option.click();
  await expect(editor).toContainText('cronium.set_variable("key", value)');

  // Cron in the builder: an expression typed, its words, and the next runs from the server.
  await page.getByRole("group", { name: "Runs" }).getByText("Cron", { exact: true }).click();
  const zone = page.getByRole("combobox", { name: "Time zone" });
  await zone.fill("Europe/Berlin");
  await page.getByRole("option", { name: "Europe/Berlin" }).first().click();
  const expression = page.getByLabel("Cron expression");
  await expression.fill("30 7 * * 1-5");
  await expect(page.getByText(/07:30 AM.*Monday through Friday|Monday through Friday.*07:30/i).first()).toBeVisible();
  const preview = await request.post("/api/v1/schedules/preview", {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: { schedule: { kind: "CRON", cron: "30 7 * * 1-5", timezone: "Europe/Berlin" }, count: 10 },
  });
  const expected = (await preview.json()).instants as { utc: string; local: string }[];
  expect(expected).toHaveLength(10);
  const list = page.getByRole("list", { name: /next runs/i });
  await expect(list.getByRole("listitem")).toHaveCount(10);
  // The first planned run, in the schedule's zone, is the server's.
  await expect(list.getByRole("listitem").first()).toContainText("07:30");
  await fullShot(page, "event-editor-light");
  await page.locator("#section-schedule").evaluate((el) => el.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: shot("event-editor-schedule-light") });

  await page.getByRole("button", { name: "Create" }).first().click();
  await expect(page).toHaveURL(/\/events\/evt_[^/]+$/);
  const saved = await eventByName(request, name);
  expect(saved.type).toBe("PYTHON");
  expect(saved.content).toContain('cronium.set_variable("key", value)');
  expect(saved.schedule).toMatchObject({ kind: "CRON", cron: "30 7 * * 1-5", timezone: "Europe/Berlin" });
  expect(saved.schedule.nextRunAt).toBe(expected[0]!.utc);
});

test.describe("refused saves", () => {
  test.use({ allowConsole: [/status of 400 \(Bad Request\)/] });
test("the API's errors appear next to their fields, and the first one gets the focus", async ({ page }) => {
  await page.goto("/events/new");
  // The form checks what it can before sending...
  await page.getByRole("button", { name: "Create" }).first().click();
  await expect(page.getByText("A name is required.")).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await page.getByLabel("Name", { exact: true }).fill(uniqueName("e2e-editor-invalid"));
  // ...and the server the rest: 5 processes is below its floor of 8.
  await page.getByLabel("Processes").fill("5");
  await page.getByRole("button", { name: "Create" }).first().click();
  const pids = page.getByLabel("Processes");
  await expect(pids).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/must be 0 \(the server's default\) or between 8 and/)).toBeVisible();
  await expect(pids).toBeFocused();
  await expect(page).toHaveURL(/\/events\/new$/);
  // Editing the field clears its error.
  await pids.fill("64");
  await expect(pids).toHaveAttribute("aria-invalid", "false");
});
});

test("Ctrl+Enter saves and runs: the run page shows the script's output to the end", async ({ page }) => {
  const name = uniqueName("e2e-editor-run");
  await page.goto("/events/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await typeScript(page, 'echo "hello from the editor"\necho "second line" >&2');
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page).toHaveURL(/\/runs\/exe_/);
  const log = page.getByRole("region", { name: "Log output" });
  await expect(log.getByText("hello from the editor")).toBeVisible({ timeout: 20_000 });
  await expect(log.getByText("second line")).toBeVisible();
  await expect(page.getByText("Succeeded").first()).toBeVisible({ timeout: 20_000 });
  // On the run page, Ctrl+Enter runs the event again.
  const first = page.url();
  await page.locator("#main h1").click();
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page).not.toHaveURL(first);
  await expect(page).toHaveURL(/\/runs\/exe_/);
  await expect(page.getByRole("region", { name: "Log output" }).getByText("hello from the editor")).toBeVisible({ timeout: 20_000 });
});

test("editing keeps masked env values the user did not replace, and the run sees them", async ({ page, request }) => {
  const name = uniqueName("e2e-editor-env");
  const ev = await createEvent(request, {
    name,
    type: "BASH",
    content: 'echo "token=$API_TOKEN mode=$MODE"',
    status: "ACTIVE",
    envVars: { API_TOKEN: "s3cret-value", MODE: "old" },
  });
  await page.goto(`/events/${ev.id}/edit`);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(name);
  // Masked values are not in the page.
  await expect(page.locator("body")).not.toContainText("s3cret-value");
  await page.getByRole("button", { name: "Replace" }).nth(1).click();
  await page.getByLabel("Variable MODE value").fill("new");
  await page.getByRole("button", { name: "Save and run" }).first().click();
  await expect(page).toHaveURL(/\/runs\/exe_/);
  await expect(page.getByRole("region", { name: "Log output" }).getByText("token=s3cret-value mode=new")).toBeVisible({
    timeout: 20_000,
  });
});

test("Ctrl+S saves from inside the script editor; Duplicate opens a paused copy", async ({ page, request }) => {
  const name = uniqueName("e2e-editor-save");
  const ev = await createEvent(request, { name, type: "BASH", content: "echo one", status: "ACTIVE" });
  await page.goto(`/events/${ev.id}/edit`);
  await typeScript(page, "echo two");
  await page.keyboard.press("ControlOrMeta+s");
  await expect(page).toHaveURL(new RegExp(`/events/${ev.id}$`));
  expect((await (await request.get(`/api/v1/events/${ev.id}`)).json()).content).toContain("echo two");

  await page.goto(`/events/new?from=${ev.id}`);
  await expect(page.getByRole("heading", { name: `Duplicate ${name}` })).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(`${name} (copy)`);
  await expect(page.getByLabel("Status")).toHaveValue("PAUSED");
  await page.getByRole("button", { name: "Create" }).first().click();
  await expect(page).toHaveURL(/\/events\/evt_/);
  const copy = await eventByName(request, `${name} (copy)`);
  expect(copy.content).toContain("echo two");
  expect(copy.status).toBe("PAUSED");
});

test("leaving with unsaved changes asks first", async ({ page }) => {
  await page.goto("/events/new");
  await page.getByLabel("Name", { exact: true }).fill("not saved");
  await expect(page.getByText("Unsaved changes")).toBeVisible();
  await page.getByRole("link", { name: "Cancel" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Leave without saving?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await expect(page).toHaveURL(/\/events\/new$/);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("not saved");
  await page.getByRole("link", { name: "Cancel" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Leave" }).click();
  await expect(page).toHaveURL(/\/events$/);
});

test("an HTTP request event: its fields replace the script, the URL is checked", async ({ page, request }) => {
  const name = uniqueName("e2e-editor-http");
  await page.goto("/events/new?type=HTTP_REQUEST");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await expect(page.getByRole("textbox", { name: "Script", exact: true })).toHaveCount(0);
  await page.getByLabel("URL").fill("ftp://example.com");
  await page.getByRole("button", { name: "Create" }).first().click();
  await expect(page.getByText("An http:// or https:// URL.")).toBeVisible();
  await page.getByLabel("Method").selectOption("POST");
  await page.getByLabel("URL").fill("https://example.com/hook");
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header 1 name").fill("X-Team");
  await page.getByLabel("Header 1 value").fill("ops");
  await page.getByRole("button", { name: "Create" }).first().click();
  await expect(page).toHaveURL(/\/events\/evt_/);
  const saved = await eventByName(request, name);
  expect(saved.httpRequest).toMatchObject({ method: "POST", url: "https://example.com/hook", headers: { "X-Team": "ops" } });
});

test("keyboard: g e, n, j/k and Enter, ? for help", async ({ page, request }) => {
  await createEvent(request, { name: uniqueName("e2e-keys-a"), type: "BASH", content: "true" });
  await createEvent(request, { name: uniqueName("e2e-keys-b"), type: "BASH", content: "true" });
  await page.goto("/");
  await page.locator("body").press("g");
  await page.keyboard.press("e");
  await expect(page).toHaveURL(/\/events$/);
  await expect(page.locator("#main tbody tr").first()).toBeVisible();
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  const second = page.locator("#main tbody tr").nth(1).locator("a[href]").first();
  await expect(second).toBeFocused();
  await page.keyboard.press("k");
  await expect(page.locator("#main tbody tr").first().locator("a[href]").first()).toBeFocused();
  await page.keyboard.press("/");
  await expect(page.locator("#main input[type=search]")).toBeFocused();
  await page.keyboard.press("Escape");
  await page.locator("#main h1").click();
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.keyboard.press("Escape");
  await page.keyboard.press("n");
  await expect(page).toHaveURL(/\/events\/new$/);
});

test("a viewer cannot open the editor, nor a user another's shared event", async ({ browser, playwright }) => {
  const request = await playwright.request.newContext({
    baseURL: process.env.CRONIUM_E2E_URL,
    storageState: (await import("./global-setup")).STORAGE_STATE,
  });
  const username = uniqueName("e2e-editor-viewer");
  await createUser(request, { username, role: "VIEWER" });
  const context = await contextAs(browser, username);
  const page = await context.newPage();
  await page.goto("/events/new");
  await expect(page.getByText("Your account can read but not change events.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create" })).toHaveCount(0);
  await page.goto("/events");
  await expect(page.getByRole("link", { name: "New event" })).toHaveCount(0);
  await context.close();

  // A user who is not the owner of a shared event may run it, not edit it.
  const shared = await createEvent(request, { name: uniqueName("e2e-editor-shared"), type: "BASH", content: "true", shared: true });
  const other = uniqueName("e2e-editor-user");
  await createUser(request, { username: other, role: "USER" });
  const userContext = await contextAs(browser, other);
  const userPage = await userContext.newPage();
  await userPage.goto(`/events/${shared.id}/edit`);
  await expect(userPage.getByText("only its owner changes it")).toBeVisible();
  await expect(userPage.getByRole("button", { name: "Save" })).toHaveCount(0);
  await userContext.close();
  await request.dispose();
});

for (const theme of ["light", "dark"] as const) {
  test(`the editor (${theme}) has no serious a11y findings`, async ({ page }) => {
    await page.goto("/events/new");
    await setTheme(page, theme);
    await page.reload();
    await page.getByLabel("Name", { exact: true }).fill("a11y");
    await page.getByRole("group", { name: "Runs" }).getByText("Cron", { exact: true }).click();
    await expect(page.getByRole("list", { name: /next runs/i }).getByRole("listitem").first()).toBeVisible();
    await fullShot(page, `event-editor-${theme}-full`);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
}

test("the editor at 360 px", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/events/new");
  await page.getByRole("group", { name: "Runs" }).getByText("Interval", { exact: true }).click();
  await expect(page.getByRole("list", { name: /next runs/i }).getByRole("listitem").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
  await fullShot(page, "event-editor-360");
});
