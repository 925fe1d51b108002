// Extra users for the browser tests, made through the API with the admin's session, and
// contexts signed in as them (one API login each: the server rate-limits logins).
import type { APIRequestContext, Browser, BrowserContext } from "@playwright/test";
import { csrfToken, expect } from "./fixtures";
import { STORAGE_STATE } from "./global-setup";

export const TEST_PASSWORD = "e2e-password-0123456789";

export async function adminRequest(playwright: { request: { newContext: (o: object) => Promise<APIRequestContext> } }) {
  return playwright.request.newContext({ baseURL: process.env.CRONIUM_E2E_URL, storageState: STORAGE_STATE });
}

export async function createUser(
  request: APIRequestContext,
  user: { username: string; role: "ADMIN" | "USER" | "VIEWER"; password?: string; displayName?: string },
) {
  const response = await request.post("/api/v1/users", {
    headers: { "X-CSRF-Token": await csrfToken(request) },
    data: {
      username: user.username,
      email: `${user.username}@example.test`,
      displayName: user.displayName ?? user.username,
      password: user.password ?? TEST_PASSWORD,
      role: user.role,
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string; username: string };
}

/** A fresh browser context signed in as `username` (its cookie set by an API login). */
export async function contextAs(browser: Browser, username: string, password = TEST_PASSWORD): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: process.env.CRONIUM_E2E_URL,
    storageState: { cookies: [], origins: [] },
  });
  const response = await context.request.post("/api/v1/auth/login", { data: { username, password } });
  expect(response.status(), await response.text()).toBe(200);
  return context;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}
