import { describe, expect, it } from "vitest";
import { allZones, browserZone, searchZones, zoneDisplayName, zoneOffsetLabel } from "./zones";

describe("zones", () => {
  it("lists the browser's zones with UTC first", () => {
    const zones = allZones();
    expect(zones[0]).toBe("UTC");
    expect(zones).toContain("Europe/Berlin");
    expect(zones).toContain(browserZone());
    expect(new Set(zones).size).toBe(zones.length);
    expect(allZones()).toBe(zones); // cached
  });

  it("searches the way people type", () => {
    const zones = ["UTC", "America/New_York", "America/North_Dakota/New_Salem", "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo", "Africa/Abidjan"];
    expect(searchZones(zones, "")).toEqual(zones);
    expect(searchZones(zones, "berl")).toEqual(["Europe/Berlin"]);
    expect(searchZones(zones, "new york")[0]).toBe("America/New_York");
    expect(searchZones(zones, "NEW_YORK")).toEqual(["America/New_York"]);
    expect(searchZones(zones, "new")).toEqual(["America/New_York", "America/North_Dakota/New_Salem"]);
    expect(searchZones(zones, "são paulo")).toEqual(["America/Sao_Paulo"]);
    expect(searchZones(zones, "europe/")).toEqual(["Europe/Berlin"]);
    expect(searchZones(zones, "utc")[0]).toBe("UTC");
    expect(searchZones(zones, "tokyo asia")).toEqual(["Asia/Tokyo"]);
    expect(searchZones(zones, "zzz")).toEqual([]);
    // a city that starts with the query comes before a name that merely contains it
    expect(searchZones(["Africa/Abidjan", "Asia/Dhaka", "Asia/Kabul"], "ab")).toEqual(["Africa/Abidjan", "Asia/Kabul"]);
    expect(searchZones(["America/Kabul_X", "Asia/Kabul"], "kab")).toEqual(["America/Kabul_X", "Asia/Kabul"]);
    expect(searchZones(["Europe/Paris", "America/Paris_Y"], "(")).toEqual([]);
  });

  it("labels offsets and names", () => {
    expect(zoneOffsetLabel("Europe/Berlin", Date.parse("2026-01-01T00:00:00Z"))).toBe("UTC+01:00");
    expect(zoneOffsetLabel("UTC")).toBe("UTC");
    expect(zoneOffsetLabel("Mars/Base")).toBe("");
    expect(zoneDisplayName("America/Argentina/Buenos_Aires")).toBe("America / Argentina / Buenos Aires");
  });
});
