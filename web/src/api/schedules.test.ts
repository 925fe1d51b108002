import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setCsrfToken } from "./client";
import { previewSchedule, toRequestSpec } from "./schedules";

describe("schedules API", () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    fetchMock.mockReset();
    setCsrfToken("tok");
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setCsrfToken(null);
  });

  it("keeps only the writable fields, in a stable order", () => {
    const spec = {
      timezone: "UTC",
      kind: "CRON" as const,
      cron: "* * * * *",
      nextRunAt: "2026-01-01T00:00:00Z",
      runCount: 3,
      maxRuns: undefined,
      endAt: null,
    };
    const out = toRequestSpec(spec);
    expect(out).toEqual({ kind: "CRON", cron: "* * * * *", timezone: "UTC", endAt: null });
    expect(JSON.stringify(out)).toBe('{"kind":"CRON","cron":"* * * * *","timezone":"UTC","endAt":null}');
  });

  it("POSTs the spec with the CSRF token and passes the signal", async () => {
    const answer = {
      kind: "CRON",
      timezone: "UTC",
      dayMatch: "OR",
      dstGapPolicy: "AUTO",
      dstOverlapPolicy: "AUTO",
      appliedDstGapPolicy: "SHIFT",
      appliedDstOverlapPolicy: "ONCE",
      instants: [],
      never: false,
      warnings: [],
    };
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(answer), { status: 200 }));
    const controller = new AbortController();
    const got = await previewSchedule({ kind: "CRON", cron: "0 9 * * *" }, 10, controller.signal, "2026-01-01T00:00:00Z");
    expect(got).toEqual(answer);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/api/v1/schedules/preview");
    expect(init?.method).toBe("POST");
    expect(init?.signal).toBe(controller.signal);
    expect((init?.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok");
    expect(JSON.parse(init?.body as string)).toEqual({
      schedule: { kind: "CRON", cron: "0 9 * * *" },
      count: 10,
      from: "2026-01-01T00:00:00Z",
    });
  });
});
