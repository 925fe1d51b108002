import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, loginPath, setCsrfToken, setUnauthorizedHandler } from "./client";
import { collectPages, login } from "./endpoints";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

describe("api client", () => {
  const fetchMock = vi.fn<typeof fetch>();

  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    fetchMock.mockReset();
    setCsrfToken(null);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("sends the CSRF token from login on a POST, same-origin, as JSON", async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(200, { csrfToken: "tok-123", user: {}, expiresAt: "" }),
    );
    await login("admin", "secret");
    fetchMock.mockResolvedValueOnce(jsonResponse(202, { executionId: "exe_1", jobId: "job_1" }));
    await api("/api/v1/events/evt_1/run", { method: "POST", body: {} });

    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe("/api/v1/events/evt_1/run");
    const headers = init?.headers as Record<string, string>;
    expect(headers["X-CSRF-Token"]).toBe("tok-123");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(init?.credentials).toBe("same-origin");
    expect(init?.body).toBe("{}");
  });

  it("does not send the CSRF token on a GET", async () => {
    setCsrfToken("tok-123");
    fetchMock.mockResolvedValueOnce(jsonResponse(200, { items: [], nextCursor: null }));
    await api("/api/v1/events", { query: { status: "ACTIVE", search: "" } });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/events?status=ACTIVE");
    expect((init?.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
  });

  it("turns an error body into an ApiError with the API's code and message", async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(409, { error: "FAILED_PRECONDITION", message: "already finished" }),
    );
    const error = await api("/api/v1/executions/x/cancel", { method: "POST" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "FAILED_PRECONDITION", message: "already finished" });
  });

  it("on 401 drops the token and sends the user to /login with the current path as next", async () => {
    window.history.replaceState(null, "", "/events?status=PAUSED");
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    setCsrfToken("tok");
    fetchMock.mockResolvedValueOnce(jsonResponse(401, { error: "UNAUTHENTICATED", message: "log in" }));
    await expect(api("/api/v1/events")).rejects.toMatchObject({ status: 401 });
    expect(handler).toHaveBeenCalledWith("/events?status=PAUSED");
    expect(loginPath("/events?status=PAUSED")).toBe("/login?next=%2Fevents%3Fstatus%3DPAUSED");
  });

  it("does not redirect when the sign-in itself answers 401", async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    fetchMock.mockResolvedValueOnce(jsonResponse(401, { error: "UNAUTHENTICATED", message: "bad" }));
    await expect(login("admin", "wrong")).rejects.toMatchObject({ status: 401 });
    expect(handler).not.toHaveBeenCalled();
  });

  it("reports a network failure as a readable ApiError", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(api("/api/v1/events")).rejects.toMatchObject({ code: "NETWORK" });
  });

  it("loginPath leaves out a next of / or of the login page", () => {
    expect(loginPath("/")).toBe("/login");
    expect(loginPath("/login?next=%2F")).toBe("/login");
  });
});

describe("collectPages", () => {
  it("follows cursors, stops when asked and says when it was cut short", async () => {
    const pages = [
      { items: [1, 2], nextCursor: "a" },
      { items: [3, 4], nextCursor: "b" },
      { items: [5], nextCursor: null },
    ];
    const seen: (string | null)[] = [];
    const fetchPage = async (cursor: string | null) => {
      seen.push(cursor);
      return pages[seen.length - 1]!;
    };
    expect(await collectPages(fetchPage, { maxPages: 5 })).toEqual({ items: [1, 2, 3, 4, 5], truncated: false });
    expect(seen).toEqual([null, "a", "b"]);

    seen.length = 0;
    expect(await collectPages(fetchPage, { maxPages: 2 })).toEqual({ items: [1, 2, 3, 4], truncated: true });

    seen.length = 0;
    expect(await collectPages(fetchPage, { maxPages: 5, stop: (p) => p.includes(2) })).toEqual({
      items: [1, 2],
      truncated: false,
    });
  });
});
