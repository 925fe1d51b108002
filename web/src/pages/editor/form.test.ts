import { describe, expect, it } from "vitest";
import type { EventDetail } from "./api";
import { checkForm, fieldOfError, formFromEvent, formsDiffer, formToBody, MASKED, newEventForm, sectionOf } from "./form";

function event(overrides: Partial<EventDetail> = {}): EventDetail {
  return {
    id: "evt_1",
    name: "backup",
    description: "nightly",
    type: "BASH",
    status: "ACTIVE",
    tags: ["ops", "db"],
    shared: false,
    schedule: {
      kind: "CRON",
      cron: "0 2 * * *",
      intervalSeconds: null,
      at: null,
      timezone: "Europe/Berlin",
      startAt: null,
      endAt: null,
      maxRuns: null,
      nextRunAt: "2026-12-09T01:00:00Z",
      runCount: 4,
    },
    lastRunAt: null,
    successCount: 0,
    failureCount: 0,
    createdAt: "2026-12-01T00:00:00Z",
    updatedAt: "2026-12-01T00:00:00Z",
    content: "echo hi",
    timeoutSeconds: 60,
    retries: 2,
    envVars: { TOKEN: MASKED, MODE: MASKED },
    httpRequest: null,
    priority: "HIGH",
    maxConcurrent: 1,
    retryDelaySeconds: 5,
    retryMaxDelaySeconds: 60,
    retryOn: ["FAILED"],
    limits: { memoryMb: 256, pids: 0, cpuSeconds: 0, cpus: 0.5, diskMb: 0, outputKb: 0 },
    network: "none",
    actions: [{ trigger: "ON_FAILURE", type: "RUN_EVENT", targetEventId: "evt_2" }],
    ...overrides,
  };
}

describe("event form", () => {
  it("round-trips an event into the API's JSON", () => {
    const body = formToBody(formFromEvent(event()));
    expect(body).toMatchObject({
      name: "backup",
      type: "BASH",
      tags: ["ops", "db"],
      timeoutSeconds: 60,
      retries: 2,
      retryOn: ["FAILED"],
      priority: "HIGH",
      limits: { memoryMb: 256, cpus: 0.5, pids: 0 },
      network: "none",
      httpRequest: null,
      actions: [{ trigger: "ON_FAILURE", type: "RUN_EVENT", targetEventId: "evt_2" }],
    });
    // The schedule goes back without what only the server writes.
    expect(body.schedule).toEqual({ kind: "CRON", cron: "0 2 * * *", timezone: "Europe/Berlin" });
    // Masked env values go back masked: the server keeps what it has.
    expect(body.envVars).toEqual({ TOKEN: MASKED, MODE: MASKED });
  });

  it("makes a duplicate paused, renamed, and without masked values it cannot copy", () => {
    const copy = formFromEvent(event(), true);
    expect(copy.name).toBe("backup (copy)");
    expect(copy.status).toBe("PAUSED");
    expect(copy.env).toEqual([
      { key: "TOKEN", value: "", masked: false },
      { key: "MODE", value: "", masked: false },
    ]);
    const revealed = formFromEvent(event({ envVars: { TOKEN: "s3cret" } }), true);
    expect(revealed.env[0]).toEqual({ key: "TOKEN", value: "s3cret", masked: false });
  });

  it("sends no schedule for a manual event and the request only for HTTP events", () => {
    const form = { ...newEventForm("HTTP_REQUEST"), name: "ping", httpUrl: " https://example.com/health ", httpMethod: "POST" };
    form.httpHeaders = [{ key: "X-Token", value: "abc" }, { key: "", value: "ignored" }];
    const body = formToBody(form);
    expect(body.schedule).toBeNull();
    expect(body.content).toBe("");
    expect(body.httpRequest).toEqual({ method: "POST", url: "https://example.com/health", headers: { "X-Token": "abc" }, body: "" });
    expect(formToBody({ ...newEventForm("BASH"), name: "x" }).httpRequest).toBeNull();
  });

  it("checks what it can before sending", () => {
    const form = newEventForm("BASH");
    expect(checkForm(form)).toEqual({ name: "A name is required." });
    const bad = {
      ...form,
      name: "x",
      timeoutSeconds: "0",
      retries: "1.5",
      cpus: "-1",
      retryDelaySeconds: "10",
      retryMaxDelaySeconds: "5",
      tags: "a, b, a",
      env: [
        { key: "lower", value: "", masked: false },
        { key: "CRONIUM_X", value: "", masked: false },
        { key: "OK", value: "", masked: false },
        { key: "OK", value: "", masked: false },
      ],
      actions: [{ trigger: "ON_SUCCESS", type: "RUN_EVENT", targetEventId: "" }],
    };
    expect(checkForm(bad)).toEqual({
      timeoutSeconds: "From 1 to 604800.",
      retries: "A whole number.",
      "limits.cpus": "A number of cores, e.g. 0.5 or 2 (0: no limit).",
      retryMaxDelaySeconds: "At least the first delay.",
      tags: "A tag appears twice.",
      "env[0]": "Upper-case letters, digits and _, not starting with a digit.",
      "env[1]": "CRONIUM_* is set by the platform.",
      "env[3]": "This name appears twice.",
      "actions[0].targetEventId": "Pick the event to start.",
    });
    const http = { ...newEventForm("HTTP_REQUEST"), name: "x", httpUrl: "ftp://x" };
    expect(checkForm(http)["httpRequest.url"]).toBe("An http:// or https:// URL.");
  });

  it("puts the API's errors next to their fields", () => {
    expect(fieldOfError("limits.pids: must be 0 (the server's default) or between 8 and 4096")).toEqual({
      field: "limits.pids",
      message: "must be 0 (the server's default) or between 8 and 4096",
    });
    expect(fieldOfError("actions[1].targetEventId: event evt_9 not found")).toEqual({
      field: "actions[1].targetEventId",
      message: "event evt_9 not found",
    });
    expect(fieldOfError("schedule.cron: minute field: 61 is out of range")).toEqual({
      field: "schedule",
      message: "schedule.cron: minute field: 61 is out of range",
    });
    expect(fieldOfError("timezone: an IANA name")?.field).toBe("schedule");
    expect(fieldOfError("envVars: key 'x' is invalid")).toEqual({ field: "env", message: "key 'x' is invalid" });
    expect(fieldOfError("httpRequest.headers: values must be strings")?.field).toBe("httpRequest.headers");
    expect(fieldOfError("name, description and content must be valid UTF-8")).toBeNull();
    expect(fieldOfError("Cannot reach the Cronium server. Is it running?")).toBeNull();
    expect(sectionOf("limits.pids")).toBe("execution");
    expect(sectionOf("actions[1].targetEventId")).toBe("actions");
    expect(sectionOf("httpRequest.url")).toBe("http");
    expect(sectionOf("env[2]")).toBe("env");
  });

  it("notices changes for the unsaved-changes guard", () => {
    const a = formFromEvent(event());
    expect(formsDiffer(a, formFromEvent(event()))).toBe(false);
    expect(formsDiffer(a, { ...a, content: "echo changed" })).toBe(true);
  });
});
