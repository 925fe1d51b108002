import { describe, expect, it } from "vitest";
import { describePaste, looksLikeField, parseCronPaste } from "./crontab-paste";

describe("parseCronPaste", () => {
  it("leaves a bare expression alone", () => {
    const p = parseCronPaste("*/5 * * * *");
    expect(p).toMatchObject({ cron: "*/5 * * * *", changed: false, dropped: null, macro: null, error: null });
    expect(describePaste(p)).toBeNull();
    expect(parseCronPaste("0 30 9 * * MON-FRI")).toMatchObject({ cron: "0 30 9 * * MON-FRI", changed: false });
  });

  it("keeps the 5 fields of a crontab line and drops the command", () => {
    const p = parseCronPaste("30 2 * * 1 /usr/bin/backup.sh --full  > /dev/null 2>&1");
    expect(p.cron).toBe("30 2 * * 1");
    expect(p.changed).toBe(true);
    expect(p.dropped).toBe("/usr/bin/backup.sh --full  > /dev/null 2>&1");
    expect(describePaste(p)).toContain("dropped “/usr/bin/backup.sh --full  > /dev/null 2>&1”");
  });

  it("drops the user field of a system crontab line with the command", () => {
    const p = parseCronPaste("17 * * * * root cd / && run-parts --report /etc/cron.hourly");
    expect(p.cron).toBe("17 * * * *");
    expect(p.dropped).toBe("root cd / && run-parts --report /etc/cron.hourly");
  });

  it("reads 6 tokens as seconds first only when the 6th looks like a field", () => {
    expect(parseCronPaste("0 30 2 * * 1")).toMatchObject({ cron: "0 30 2 * * 1", dropped: null });
    expect(parseCronPaste("0 30 2 * * MON")).toMatchObject({ cron: "0 30 2 * * MON", dropped: null });
    expect(parseCronPaste("30 2 * * 1 backup")).toMatchObject({ cron: "30 2 * * 1", dropped: "backup" });
    expect(parseCronPaste("30 2 * * 1 /bin/true")).toMatchObject({ cron: "30 2 * * 1", dropped: "/bin/true" });
    // with a command after, a crontab line has no seconds
    expect(parseCronPaste("0 30 2 * * 1 /bin/x")).toMatchObject({ cron: "0 30 2 * *", dropped: "1 /bin/x" });
  });

  it("expands macros into fields", () => {
    const cases: [string, string][] = [
      ["@yearly", "0 0 1 1 *"],
      ["@annually", "0 0 1 1 *"],
      ["@monthly", "0 0 1 * *"],
      ["@weekly", "0 0 * * 0"],
      ["@daily", "0 0 * * *"],
      ["@midnight", "0 0 * * *"],
      ["@HOURLY", "0 * * * *"],
    ];
    for (const [macro, cron] of cases) {
      const p = parseCronPaste(macro);
      expect(p.cron).toBe(cron);
      expect(p.macro).toBe(macro.toLowerCase());
      expect(p.changed).toBe(true);
    }
    const withCommand = parseCronPaste("@daily /usr/local/bin/rotate");
    expect(withCommand).toMatchObject({ cron: "0 0 * * *", dropped: "/usr/local/bin/rotate" });
    expect(describePaste(withCommand)).toBe(
      "@daily is 0 0 * * *; kept the schedule fields and dropped “/usr/local/bin/rotate” (the event's own script runs instead).",
    );
  });

  it("refuses @reboot and leaves unknown macros to the server", () => {
    const reboot = parseCronPaste("@reboot /opt/start.sh");
    expect(reboot.error).toMatch(/@reboot/);
    expect(describePaste(reboot)).toBe(reboot.error);
    expect(parseCronPaste("@fortnightly")).toMatchObject({ cron: "@fortnightly", macro: null, error: null, changed: false });
  });

  it("reads a crontab file: comments, variables, CRON_TZ, the first schedule line", () => {
    const p = parseCronPaste(
      [
        "# m h dom mon dow command",
        "SHELL=/bin/bash",
        "MAILTO=ops@example.com",
        'CRON_TZ="Europe/Berlin"',
        "",
        "15 3 * * * /opt/nightly.sh",
        "0 * * * * /opt/hourly.sh",
      ].join("\n"),
    );
    expect(p.cron).toBe("15 3 * * *");
    expect(p.timezone).toBe("Europe/Berlin");
    expect(p.timezoneVariable).toBe("CRON_TZ");
    expect(p.ignoredLines).toBe(1);
    expect(p.dropped).toBe("/opt/nightly.sh");
    expect(describePaste(p)).toBe(
      "Kept the schedule fields and dropped “/opt/nightly.sh” (the event's own script runs instead); used the first line and ignored 1 more; took the time zone Europe/Berlin from CRON_TZ.",
    );
    expect(parseCronPaste("TZ=UTC\n0 9 * * *")).toMatchObject({ cron: "0 9 * * *", timezone: "UTC", timezoneVariable: "TZ" });
  });

  it("collapses whitespace, and gives nothing for only comments", () => {
    expect(parseCronPaste("  0   9 * *\t1 ")).toMatchObject({ cron: "0 9 * * 1", changed: true });
    expect(describePaste(parseCronPaste("0  9 * * 1"))).toBeNull();
    expect(parseCronPaste("# nothing\n\n")).toMatchObject({ cron: "", changed: true });
  });

  it("passes short text through for the server to judge", () => {
    expect(parseCronPaste("* * *")).toMatchObject({ cron: "* * *", changed: false });
  });
});

describe("looksLikeField", () => {
  it("tells fields from commands", () => {
    for (const t of ["1", "*", "*/5", "1-5", "MON-FRI", "L", "5#3", "15W", "?", "jan,jul"]) {
      expect(looksLikeField(t)).toBe(true);
    }
    for (const t of ["/bin/sh", "root", "backup", "-", "echo", "2>&1", "--help", "./run", "#", ","]) {
      expect(looksLikeField(t)).toBe(false);
    }
  });
});
