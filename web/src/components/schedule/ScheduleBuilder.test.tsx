import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PreviewInstant, SchedulePreview, ScheduleSpec } from "@/api/schedules";
import { ScheduleBuilder, type ScheduleBuilderProps } from "./ScheduleBuilder";

// The browser's zone in these tests (Node's default here); the schedules use Europe/Berlin.
const VIEWER = Intl.DateTimeFormat().resolvedOptions().timeZone;

function answer(overrides: Partial<SchedulePreview> = {}): SchedulePreview {
  const instants: PreviewInstant[] = Array.from({ length: 10 }, (_, i) => ({
    utc: `2026-12-${String(8 + i).padStart(2, "0")}T08:00:00Z`,
    local: `2026-12-${String(8 + i).padStart(2, "0")}T09:00:00`,
    dst: null,
  }));
  return {
    kind: "CRON",
    timezone: "Europe/Berlin",
    dayMatch: "OR",
    dstGapPolicy: "AUTO",
    dstOverlapPolicy: "AUTO",
    appliedDstGapPolicy: "SHIFT",
    appliedDstOverlapPolicy: "ONCE",
    instants,
    never: false,
    warnings: [],
    ...overrides,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const fetchMock = vi.fn<typeof fetch>();

// (No jest-dom here: plain DOM reads.)
const checked = (el: HTMLElement) => (el as HTMLInputElement).checked;
const valueOf = (el: HTMLElement) => (el as HTMLInputElement).value;
const isDisabled = (el: HTMLElement) => (el as HTMLInputElement).disabled || el.closest("fieldset[disabled]") !== null;

function sentSpecs(): ScheduleSpec[] {
  return fetchMock.mock.calls.map(([, init]) => (JSON.parse(init?.body as string) as { schedule: ScheduleSpec }).schedule);
}

function Harness({
  initial,
  onSpec,
  ...props
}: { initial: ScheduleSpec | null; onSpec: (s: ScheduleSpec) => void } & Omit<ScheduleBuilderProps, "value" | "onChange">) {
  const [value, setValue] = useState(initial);
  return (
    <ScheduleBuilder
      {...props}
      value={value}
      onChange={(s) => {
        setValue(s);
        onSpec(s);
      }}
    />
  );
}

function setup(initial: ScheduleSpec | null, props: Omit<ScheduleBuilderProps, "value" | "onChange"> = {}) {
  const onSpec = vi.fn<(s: ScheduleSpec) => void>();
  const client = new QueryClient();
  const view = render(
    <QueryClientProvider client={client}>
      <Harness initial={initial} onSpec={onSpec} {...props} />
    </QueryClientProvider>,
  );
  const last = () => onSpec.mock.calls.at(-1)?.[0];
  return { ...view, onSpec, last, client };
}

// The preview waits for a pause in typing; leave room for a busy machine.
const SLOW = { timeout: 4000 };

const BERLIN_CRON: ScheduleSpec = { kind: "CRON", cron: "0 9 * * *", timezone: "Europe/Berlin" };

describe("ScheduleBuilder", () => {
  beforeEach(() => {
    fetchMock.mockReset();
    fetchMock.mockImplementation(async () => json(200, answer()));
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("starts a new schedule as Manual, asks nothing, and a mode sets the browser's zone", async () => {
    const { onSpec, last } = setup(null);
    const manual = screen.getByRole("radio", { name: "Manual" });
    expect(checked(manual)).toBe(true);
    expect(screen.getByText(/Runs only when started by hand/)).toBeTruthy();
    expect(screen.queryByText(/Next 10 runs/)).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("radio", { name: "Cron" }));
    expect(onSpec).toHaveBeenCalledTimes(1);
    expect(last()).toEqual({ kind: "CRON", cron: "0 9 * * *", intervalSeconds: null, at: null, timezone: VIEWER });
    expect(checked(screen.getByRole("radio", { name: "Cron" }))).toBe(true);
    expect(valueOf(screen.getByRole("combobox", { name: "Time zone" }))).toBe(VIEWER);
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1), SLOW);
    expect(sentSpecs()[0]).toEqual({ kind: "CRON", cron: "0 9 * * *", intervalSeconds: null, at: null, timezone: VIEWER });
  });

  it("lists the server's next runs in the schedule's zone and the viewer's, with DST marks and warnings", async () => {
    fetchMock.mockImplementation(async () =>
      json(
        200,
        answer({
          instants: [
            { utc: "2026-03-28T08:00:00Z", local: "2026-03-28T09:00:00", dst: null },
            { utc: "2026-03-29T01:00:00Z", local: "2026-03-29T02:30:00", dst: "SKIPPED", skipped: 1 },
            { utc: "2026-03-29T01:00:00Z", local: "2026-03-29T03:00:00", dst: "SHIFTED" },
            { utc: "2026-10-25T01:30:00Z", local: "2026-10-25T02:30:00", dst: "REPEATED" },
          ],
          warnings: ["runs on the 1st to 7th of the month and on every Monday (dayMatch OR); set dayMatch to AND for days that match both"],
        }),
      ),
    );
    setup(BERLIN_CRON);
    const runs = await screen.findAllByTestId("preview-run", {}, SLOW);
    expect(runs).toHaveLength(3);
    const [request] = fetchMock.mock.calls[0]!;
    expect(request).toBe("/api/v1/schedules/preview");
    expect(JSON.parse(fetchMock.mock.calls[0]![1]!.body as string)).toEqual({ schedule: BERLIN_CRON, count: 10 });

    if (VIEWER !== "Europe/Berlin") {
      expect(screen.getByRole("list", { name: `Next runs, in Europe/Berlin and in your time (${VIEWER})` })).toBeTruthy();
      expect(within(runs[0]!).getAllByText(/Your time/)).toHaveLength(1);
    }
    expect(within(runs[0]!).getByText("UTC+01:00")).toBeTruthy();
    expect(within(runs[1]!).getByText("Shifted")).toBeTruthy();
    expect(within(runs[2]!).getByText("Repeated")).toBeTruthy();
    const skipped = screen.getByTestId("preview-skipped");
    expect(within(skipped).getByText("Skipped")).toBeTruthy();
    expect(within(skipped).getByText("no run")).toBeTruthy();
    const legend = screen.getByRole("list", { name: "DST marks" });
    expect(within(legend).getByText(/clocks spring forward\); it runs at the end of the gap/)).toBeTruthy();
    expect(within(legend).getByText(/clocks fall back/)).toBeTruthy();
    const warnings = screen.getByRole("list", { name: "Warnings" });
    expect(within(warnings).getByText(/set dayMatch to AND/)).toBeTruthy();
  });

  it("asks once per pause in typing, cancels the stale request, and shows the server's error at the expression", async () => {
    setup(BERLIN_CRON);
    await screen.findAllByTestId("preview-run", {}, SLOW);
    expect(fetchMock).toHaveBeenCalledTimes(1);

    // A slow answer for the next spec, then another edit: the first is cancelled.
    let firstSignal: AbortSignal | undefined;
    fetchMock.mockImplementationOnce(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          firstSignal = init?.signal ?? undefined;
          firstSignal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    const input = screen.getByLabelText("Cron expression");
    fireEvent.change(input, { target: { value: "0 1" } });
    fireEvent.change(input, { target: { value: "0 10 * * *" } });
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2), SLOW);
    expect(sentSpecs()[1]!.cron).toBe("0 10 * * *");

    fetchMock.mockImplementation(async () =>
      json(400, { error: "INVALID_ARGUMENT", message: "schedule.cron: minute field at position 1: 61 is out of range 0-59" }),
    );
    fireEvent.change(input, { target: { value: "6" } });
    fireEvent.change(input, { target: { value: "61 9 * * *" } });
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3), SLOW);
    expect(firstSignal?.aborted).toBe(true);
    expect(sentSpecs()[2]!.cron).toBe("61 9 * * *");

    expect(await screen.findByText("minute field at position 1: 61 is out of range 0-59", {}, SLOW)).toBeTruthy();
    expect((input).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText(/No preview: fix the field marked above/)).toBeTruthy();
    expect(screen.queryByTestId("cron-words")).toBeNull();

    // The field picker of the minute is marked too.
    fireEvent.click(screen.getByRole("button", { name: "Edit field by field" }));
    expect(screen.getByText("(see the error above)")).toBeTruthy();
  });

  it("turns a pasted crontab line into its fields and says what it dropped", async () => {
    const { last } = setup(BERLIN_CRON);
    const input = screen.getByLabelText("Cron expression");
    fireEvent.paste(input, { clipboardData: { getData: () => "30 2 * * 1 /usr/bin/backup.sh" } });
    expect(last()?.cron).toBe("30 2 * * 1");
    expect(valueOf(input)).toBe(("30 2 * * 1"));
    expect(screen.getByRole("status", { name: "" }).textContent ?? "").toMatch(/dropped “\/usr\/bin\/backup.sh”/);
    // it is the weekly preset now
    expect(valueOf(screen.getByLabelText("Preset"))).toBe(("weekly"));
    expect(valueOf(screen.getByLabelText("Day"))).toBe(("1"));
    expect(valueOf(screen.getByLabelText("Time"))).toBe(("02:30"));
    expect(screen.getByTestId("cron-words").textContent).toBe("At 02:30, only on Monday");
  });

  it("takes a zone from a pasted CRON_TZ line and expands a typed macro on leaving the field", () => {
    const { last } = setup(BERLIN_CRON);
    const input = screen.getByLabelText("Cron expression");
    fireEvent.paste(input, { clipboardData: { getData: () => "CRON_TZ=Asia/Tokyo\n0 7 * * * /bin/job" } });
    expect(last()).toMatchObject({ cron: "0 7 * * *", timezone: "Asia/Tokyo" });
    expect(valueOf(screen.getByRole("combobox", { name: "Time zone" }))).toBe(("Asia/Tokyo"));

    fireEvent.change(input, { target: { value: "@weekly" } });
    expect(last()?.cron).toBe("@weekly");
    fireEvent.blur(input);
    expect(last()?.cron).toBe("0 0 * * 0");
    expect(screen.getByText(/@weekly is 0 0 \* \* 0/)).toBeTruthy();
  });

  it("writes the expression from presets and from the field pickers", () => {
    const { last } = setup(BERLIN_CRON);
    expect(valueOf(screen.getByLabelText("Preset"))).toBe(("daily"));
    fireEvent.change(screen.getByLabelText("Preset"), { target: { value: "weekdays" } });
    expect(last()?.cron).toBe("0 9 * * 1-5");
    fireEvent.change(screen.getByLabelText("Time"), { target: { value: "07:30" } });
    expect(last()?.cron).toBe("30 7 * * 1-5");
    fireEvent.change(screen.getByLabelText("Preset"), { target: { value: "everyMinutes" } });
    expect(last()?.cron).toBe("*/5 * * * *");
    fireEvent.change(screen.getByLabelText("Minutes between runs"), { target: { value: "15" } });
    expect(last()?.cron).toBe("*/15 * * * *");

    fireEvent.click(screen.getByRole("button", { name: "Edit field by field" }));
    fireEvent.change(screen.getByLabelText("Hour: how"), { target: { value: "range" } });
    expect(last()?.cron).toBe("*/15 9-17 * * *");
    expect(valueOf(screen.getByLabelText("Preset"))).toBe(("custom"));
    fireEvent.change(screen.getByLabelText("Day of week: how"), { target: { value: "list" } });
    expect(last()?.cron).toBe("*/15 9-17 * * 0");
    fireEvent.click(screen.getByRole("button", { name: "Monday" }));
    expect(last()?.cron).toBe("*/15 9-17 * * 0,1");
    expect((screen.getByRole("button", { name: "Monday" })).getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(screen.getByRole("checkbox", { name: /Seconds field/ }));
    expect(last()?.cron).toBe("0 */15 9-17 * * 0,1");
    // the text field follows
    expect(valueOf(screen.getByLabelText("Cron expression"))).toBe(("0 */15 9-17 * * 0,1"));
  });

  it("edits an interval as a number and a unit", async () => {
    const { last } = setup(null);
    fireEvent.click(screen.getByRole("radio", { name: "Interval" }));
    expect(last()).toMatchObject({ kind: "INTERVAL", intervalSeconds: 3600, cron: null });
    const amount = screen.getByLabelText("Every");
    expect(valueOf(amount)).toBe("1");
    expect(valueOf(screen.getByLabelText("Every: unit"))).toBe(("hours"));
    fireEvent.change(screen.getByLabelText("Every: unit"), { target: { value: "minutes" } });
    expect(last()?.intervalSeconds).toBe(60);
    fireEvent.change(amount, { target: { value: "5" } });
    expect(last()?.intervalSeconds).toBe(300);
    expect(screen.getByText(/Runs every 5 minutes/)).toBeTruthy();
    fireEvent.change(amount, { target: { value: "" } });
    expect(last()?.intervalSeconds).toBeNull();
    expect(screen.getByText("Enter a number.")).toBeTruthy();
    expect(screen.getByText("Enter an interval.")).toBeTruthy();
    // switching back to cron and again to interval restores the last valid one
    fireEvent.change(amount, { target: { value: "10" } });
    fireEvent.click(screen.getByRole("radio", { name: "Cron" }));
    expect(last()).toMatchObject({ kind: "CRON", intervalSeconds: null });
    fireEvent.click(screen.getByRole("radio", { name: "Interval" }));
    expect(last()).toMatchObject({ kind: "INTERVAL", intervalSeconds: 600 });
  });

  it("reads a Once time in the schedule's zone and says when it falls in a DST gap", () => {
    const { last } = setup({ kind: "ONCE", at: "2026-12-08T09:00:00Z", timezone: "Europe/Berlin" });
    const input = screen.getByLabelText("Date and time");
    expect(valueOf(input)).toBe(("2026-12-08T10:00"));
    fireEvent.change(input, { target: { value: "2026-07-01T10:00" } });
    expect(last()?.at).toBe("2026-07-01T08:00:00Z");
    fireEvent.change(input, { target: { value: "2026-03-29T02:30" } });
    expect(last()?.at).toBe("2026-03-29T01:30:00Z");
    expect(screen.getByText(/2026-03-29 02:30 does not exist in Europe\/Berlin/)).toBeTruthy();
  });

  it("picks a zone by keyboard and keeps the wall time typed", () => {
    const { last } = setup({ kind: "ONCE", at: "2026-12-08T09:00:00Z", timezone: "Europe/Berlin" });
    const zone = screen.getByRole("combobox", { name: "Time zone" });
    expect((zone).getAttribute("aria-expanded")).toBe("false");
    fireEvent.change(zone, { target: { value: "new york" } });
    expect((zone).getAttribute("aria-expanded")).toBe("true");
    const list = screen.getByRole("listbox", { name: "Time zones" });
    const first = within(list).getAllByRole("option")[0]!;
    expect(first.textContent).toContain("America/New_York");
    expect((zone).getAttribute("aria-activedescendant")).toBe(first.id);
    fireEvent.keyDown(zone, { key: "Enter" });
    expect((zone).getAttribute("aria-expanded")).toBe("false");
    expect(last()).toMatchObject({ timezone: "America/New_York", at: "2026-12-08T15:00:00Z" });
    expect(valueOf(screen.getByLabelText("Date and time"))).toBe(("2026-12-08T10:00"));

    // Escape closes without a change; arrows move through the list
    fireEvent.keyDown(zone, { key: "ArrowDown" });
    expect((zone).getAttribute("aria-expanded")).toBe("true");
    fireEvent.keyDown(zone, { key: "Escape" });
    expect((zone).getAttribute("aria-expanded")).toBe("false");
    expect(valueOf(zone)).toBe(("America/New_York"));
    fireEvent.change(zone, { target: { value: "utc" } });
    fireEvent.keyDown(zone, { key: "Enter" });
    expect(last()?.timezone).toBe("UTC");
  });

  it("shows a failed save's message at the field it names, and others above the preview", () => {
    const client = new QueryClient();
    const view = render(
      <QueryClientProvider client={client}>
        <ScheduleBuilder
          value={{ kind: "INTERVAL", intervalSeconds: 300, timezone: "UTC" }}
          onChange={() => {}}
          error="schedule.intervalSeconds: from 1 to 31622400 for INTERVAL"
        />
      </QueryClientProvider>,
    );
    expect(screen.getByText("from 1 to 31622400 for INTERVAL")).toBeTruthy();
    expect((screen.getByLabelText("Every")).getAttribute("aria-invalid")).toBe("true");
    view.rerender(
      <QueryClientProvider client={client}>
        <ScheduleBuilder
          value={{ kind: "INTERVAL", intervalSeconds: 300, timezone: "UTC" }}
          onChange={() => {}}
          error="schedule: unknown field 'color'"
        />
      </QueryClientProvider>,
    );
    expect(screen.getByRole("alert").textContent).toContain("schedule: unknown field 'color'");
  });

  it("says when a schedule never runs", async () => {
    fetchMock.mockImplementation(async () => json(200, answer({ instants: [], never: true })));
    setup({ kind: "CRON", cron: "0 0 30 2 *", timezone: "Europe/Berlin" });
    expect(await screen.findByText("This schedule never runs.", {}, SLOW)).toBeTruthy();
  });

  it("names the server's zone for a schedule without one", async () => {
    fetchMock.mockImplementation(async () => json(200, answer({ timezone: "America/Chicago" })));
    setup({ kind: "CRON", cron: "0 9 * * *", timezone: null });
    await screen.findAllByTestId("preview-run", {}, SLOW);
    await waitFor(() =>
      expect(valueOf(screen.getByRole("combobox", { name: "Time zone" }))).toBe(("Server's zone (America/Chicago)")),
      SLOW,
    );
  });

  it("sets policies in the advanced section, each explained", () => {
    const { last } = setup(BERLIN_CRON);
    const toggle = screen.getByRole("button", { name: /Advanced: policies and limits/ });
    expect((toggle).getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect((toggle).getAttribute("aria-expanded")).toBe("true");
    fireEvent.change(screen.getByLabelText("Missed runs (server down)"), { target: { value: "RUN_ONCE" } });
    expect(last()?.misfirePolicy).toBe("RUN_ONCE");
    expect(screen.getByText(/the latest missed run within the catch-up window runs once/)).toBeTruthy();
    expect(valueOf(screen.getByLabelText("Catch-up window"))).toBe("1");
    fireEvent.change(screen.getByLabelText("Catch-up window"), { target: { value: "6" } });
    expect(last()?.catchUpWindowSeconds).toBe(6 * 3600);
    fireEvent.change(screen.getByLabelText("Day of month and day of week"), { target: { value: "AND" } });
    expect(last()?.dayMatch).toBe("AND");
    fireEvent.change(screen.getByLabelText("A run due while the previous one still runs"), {
      target: { value: "BUFFER_ONE" },
    });
    expect(last()?.overlapPolicy).toBe("BUFFER_ONE");
    fireEvent.change(screen.getByLabelText("Run limit"), { target: { value: "3" } });
    expect(last()?.maxRuns).toBe(3);
    fireEvent.change(screen.getByLabelText("End"), { target: { value: "2027-01-01T00:00" } });
    expect(last()?.endAt).toBe("2026-12-31T23:00:00Z");
    expect(toggle.textContent).toContain("5 changed");
  });

  it("is read-only when disabled, with the policies open", () => {
    setup({ ...BERLIN_CRON, overlapPolicy: "ALLOW" }, { disabled: true });
    expect(isDisabled(screen.getByRole("radio", { name: "Cron" }))).toBe(true);
    expect(isDisabled(screen.getByLabelText("Cron expression"))).toBe(true);
    expect(isDisabled(screen.getByRole("combobox", { name: "Time zone" }))).toBe(true);
    expect(valueOf(screen.getByLabelText("A run due while the previous one still runs"))).toBe(("ALLOW"));
    expect(screen.getByText(/alongside the previous one/)).toBeTruthy();
  });

  it("offers only the kinds given", () => {
    setup({ kind: "CRON", cron: "0 9 * * *", timezone: "UTC" }, { kinds: ["CRON", "INTERVAL", "ONCE"] });
    expect(screen.queryByRole("radio", { name: "Manual" })).toBeNull();
    expect(screen.getAllByRole("radio")).toHaveLength(3);
  });
});
