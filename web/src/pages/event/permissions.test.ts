import { describe, expect, it } from "vitest";
import { eventPermissions, needsOwnershipProbe } from "./permissions";

const admin = { id: "usr_a", role: "ADMIN" as const, scope: "admin" };
const user = { id: "usr_u", role: "USER" as const, scope: "write" };
const viewer = { id: "usr_v", role: "VIEWER" as const, scope: "read" };
const mine = { shared: false };
const shared = { shared: true };

describe("eventPermissions", () => {
  it("lets a viewer or a read token do nothing", () => {
    expect(eventPermissions(viewer, shared, "unknown")).toEqual({ run: false, change: false, duplicate: false, audit: false });
    expect(eventPermissions({ ...user, scope: "read" }, mine, "unknown")).toMatchObject({ run: false, change: false });
  });
  it("lets an admin change anything and read the audit trail", () => {
    expect(eventPermissions(admin, shared, "pending")).toEqual({ run: true, change: true, duplicate: true, audit: true });
    // An admin's write token: no audit.
    expect(eventPermissions({ ...admin, scope: "write" }, shared, "pending").audit).toBe(false);
  });
  it("lets a user change an event that is not shared (only its owner sees it)", () => {
    expect(eventPermissions(user, mine, "pending").change).toBe(true);
  });
  it("asks the probe for a shared event", () => {
    expect(eventPermissions(user, shared, "pending").change).toBeNull();
    expect(eventPermissions(user, shared, "allowed").change).toBe(true);
    expect(eventPermissions(user, shared, "forbidden")).toMatchObject({ run: true, change: false, duplicate: true });
    expect(eventPermissions(user, shared, "unknown").change).toBe(true);
  });
  it("uses the owner when the server names it", () => {
    expect(eventPermissions(user, { shared: true, ownerId: "usr_u" }, "pending").change).toBe(true);
    expect(eventPermissions(user, { shared: true, ownerId: "usr_x" }, "allowed").change).toBe(false);
  });
  it("probes only for a user's shared event without a named owner", () => {
    expect(needsOwnershipProbe(user, shared)).toBe(true);
    expect(needsOwnershipProbe(user, mine)).toBe(false);
    expect(needsOwnershipProbe(admin, shared)).toBe(false);
    expect(needsOwnershipProbe(viewer, shared)).toBe(false);
    expect(needsOwnershipProbe(user, { shared: true, ownerId: "usr_u" })).toBe(false);
  });
});
