// The fixtures every browser test uses: the server's URL, a signed-in context unless a test
// asks for a fresh one, and a guard that fails the test on console errors, uncaught exceptions
// and CSP violations.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type APIRequestContext, test as base, expect, type Page } from "@playwright/test";
import { STORAGE_STATE } from "./global-setup";

// A 401 from /auth/me while signed out is how the app learns it must show the sign-in page.
const EXPECTED = [/Failed to load resource: the server responded with a status of 401/];

export const test = base.extend<{ pageErrors: string[]; allowConsole: RegExp[] }>({
  // Console errors a test expects (e.g. the 400 of a save the server refuses, which Chromium logs).
  allowConsole: [[], { option: true }],
  baseURL: async ({}, use) => use(process.env.CRONIUM_E2E_URL),
  storageState: async ({}, use) => use(STORAGE_STATE),
  pageErrors: [
    async ({ page, allowConsole }, use) => {
      const errors: string[] = [];
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => {
          console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
        });
      });
      page.on("console", (msg) => {
        if (msg.type() === "error" && ![...EXPECTED, ...allowConsole].some((re) => re.test(msg.text()))) errors.push(msg.text());
      });
      page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
      await use(errors);
      expect(errors, "console errors, uncaught exceptions or CSP violations").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export const ADMIN_PASSWORD = () => process.env.CRONIUM_E2E_PASSWORD ?? "";

/** Signs in through the form (only where the form is what is tested: login is rate limited). */
export async function signInWithForm(page: Page, next = "/") {
  await page.goto(next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(ADMIN_PASSWORD());
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The CSRF token of the context's session, for API calls made by the test itself. */
export async function csrfToken(request: APIRequestContext): Promise<string> {
  const me = await request.get("/api/v1/auth/me");
  expect(me.ok()).toBeTruthy();
  return (await me.json()).csrfToken as string;
}

export async function createEvent(request: APIRequestContext, body: Record<string, unknown>) {
  const response = await request.post("/api/v1/events", {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: body,
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string; name: string };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe in the page; returns the serious and critical findings. */
export async function seriousA11yViolations(page: Page) {
  // Evaluated over the DevTools protocol, which the page's CSP does not restrict (a <script>
  // tag from page.addScriptTag would be inline, and script-src 'self' rightly blocks it).
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    // @ts-expect-error axe is global once evaluated
    return await window.axe.run(document, { resultTypes: ["violations"] });
  });
  return (results.violations as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[])
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export const SCREENSHOTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../test-results/screenshots");

export async function setTheme(page: Page, theme: "light" | "dark") {
  await page.evaluate((t) => window.localStorage.setItem("cronium.theme", t), theme);
}
